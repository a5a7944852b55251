#!/usr/bin/env node
// `kubectl sluice …`: the kubectl plugin (kubectl finds kubectl-sluice on PATH). The commands
// live in src/plugin; this entry wires them to the process.
import { runPlugin } from '../plugin/main.ts';

process.exitCode = await runPlugin(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTTY: process.stdout.isTTY,
  env: process.env,
});
