// `make cluster-up` / `make cluster-down`: a test cluster that outlives the command.
//   up    starts a detached keeper process that runs startCluster() and stays alive;
//         prints the kubeconfig path once the fake Node is Ready (writes .sluice/kubeconfig)
//   down  stops the keeper (which stops every component by PID) and waits for it
//   serve the keeper itself (internal)
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster } from './cluster.ts';
import { stateDir } from './paths.ts';
import { isAlive } from './stale.ts';
import { waitFor } from './wait.ts';

const statePath = join(stateDir, 'cluster.json');
const kubeconfigPath = join(stateDir, 'kubeconfig');
const keeperLog = join(stateDir, 'cluster.log');

interface State {
  readonly pid: number;
  readonly dir: string;
  readonly server: string;
}

function readState(): State | undefined {
  if (!existsSync(statePath)) return undefined;
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as State;
  return isAlive(state.pid) ? state : undefined;
}

async function up(): Promise<void> {
  const running = readState();
  if (running === undefined) {
    mkdirSync(stateDir, { recursive: true });
    rmSync(statePath, { force: true });
    const started = Date.now();
    const keeper = spawn(process.execPath, [new URL(import.meta.url).pathname, 'serve'], {
      detached: true,
      stdio: ['ignore', 'ignore', openSync(keeperLog, 'w')],
    });
    keeper.unref();
    await waitFor('the cluster to start', () => readState() !== undefined, {
      timeoutMs: 120_000,
      assertAlive: () => {
        if (keeper.exitCode !== null) throw new Error(`the cluster did not start:\n${readFileSync(keeperLog, 'utf8')}`);
      },
    });
    console.log(`cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } else {
    console.log('cluster already running');
  }
  const state = readState();
  console.log(`server:     ${state?.server ?? '?'}`);
  console.log(`logs:       ${state?.dir ?? '?'}`);
  console.log(`kubeconfig: ${kubeconfigPath}`);
  console.log(`\n  export KUBECONFIG=${kubeconfigPath}\n  make cluster-down   # to stop it`);
}

async function serve(): Promise<void> {
  const cluster = await startCluster({ takeSlot: false });
  const stop = (): void => {
    void cluster.stop().finally(() => {
      rmSync(statePath, { force: true });
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', stop);
  copyFileSync(cluster.kubeconfigPath, kubeconfigPath);
  writeFileSync(statePath, JSON.stringify({ pid: process.pid, dir: cluster.dir, server: cluster.server }));
  // A component that dies is logged; the keeper stays up so `down` still cleans up.
  const watch = setInterval(() => {
    try {
      cluster.assertAlive();
    } catch (error) {
      console.error(String(error));
      clearInterval(watch);
    }
  }, 1_000);
}

async function down(): Promise<void> {
  const state = readState();
  if (state === undefined) {
    console.log('no cluster running');
    rmSync(statePath, { force: true });
    return;
  }
  process.kill(state.pid, 'SIGTERM');
  await waitFor('the cluster to stop', () => !isAlive(state.pid), { timeoutMs: 30_000 });
  rmSync(kubeconfigPath, { force: true });
  console.log('cluster stopped');
}

const commands: Record<string, () => Promise<void>> = { up, down, serve };
const command = commands[process.argv[2] ?? ''];
if (command === undefined) {
  console.error('usage: cluster-cli.ts up|down');
  process.exit(2);
}
await command();
