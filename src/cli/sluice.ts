#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2 --optimize-for-size
// `sluice`: the controller binary.
import { version } from '../version.ts';
import { runController } from './controller.ts';

const usage = `usage: sluice <command>

commands:
  controller   run the rollout controller (see --help in docs/controller.md)
  version      print the version
`;

const [command, ...rest] = process.argv.slice(2);
if (command === 'version' || command === '--version') {
  console.log(`sluice ${version}`);
} else if (command === 'controller') {
  await runController(rest);
  process.exit(0);
} else {
  process.stderr.write(command === undefined || command === 'help' ? usage : `unknown command "${command}"\n\n${usage}`);
  process.exitCode = command === undefined || command === 'help' ? 0 : 2;
}
