#!/usr/bin/env node
// `kubectl sluice …`: the kubectl plugin (kubectl finds kubectl-sluice on PATH).
// Its verbs arrive with the plugin issue; for now it reports its version.
import { version } from '../version.ts';

const usage = `usage: kubectl sluice <command>

commands:
  version   print the plugin version
`;

const [command] = process.argv.slice(2);
if (command === 'version' || command === '--version') {
  console.log(`kubectl-sluice ${version}`);
} else {
  process.stderr.write(command === undefined || command === 'help' ? usage : `unknown command "${command}"\n\n${usage}`);
  process.exitCode = command === undefined || command === 'help' ? 0 : 2;
}
