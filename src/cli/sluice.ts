#!/usr/bin/env node
// `sluice`: the controller binary. Until the rollout issue lands it only reports its version.
import { version } from '../version.ts';

const usage = `usage: sluice <command>

commands:
  version   print the version
`;

const [command] = process.argv.slice(2);
if (command === 'version' || command === '--version') {
  console.log(`sluice ${version}`);
} else {
  process.stderr.write(command === undefined || command === 'help' ? usage : `unknown command "${command}"\n\n${usage}`);
  process.exitCode = command === undefined || command === 'help' ? 0 : 2;
}
