#!/usr/bin/env node
// `kubectl sluice <TAB>`: kubectl (1.26+) runs this bin for its plugin's completions.
import { completeArgs } from '../plugin/complete-main.ts';

process.stdout.write(await completeArgs(process.argv.slice(2)));
