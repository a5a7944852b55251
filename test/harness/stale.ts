// Two guards for a 2-core machine shared by parallel suites:
// - a runner killed with SIGKILL cannot stop its children, so each cluster dir records its
//   owner and its processes' PIDs, and the next start kills what an owner left behind;
// - at most SLUICE_MAX_CLUSTERS (default 2) control planes run at once across all test
//   processes: a file-lock semaphore in the temp dir.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export const CLUSTER_DIR_PREFIX = 'sluice-cluster-';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Kills the processes of cluster dirs whose owner is gone, and removes those dirs. */
export function sweepOrphans(root = tmpdir()): void {
  for (const entry of readdirSync(root)) {
    if (!entry.startsWith(CLUSTER_DIR_PREFIX)) continue;
    const dir = join(root, entry);
    const owner = readPid(join(dir, 'owner.pid'));
    if (owner === undefined || isAlive(owner)) continue;
    killRecorded(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

function killRecorded(dir: string): void {
  let lines: string[] = [];
  try {
    lines = readFileSync(join(dir, 'pids'), 'utf8').split('\n');
  } catch {
    return;
  }
  for (const line of lines) {
    const pid = Number.parseInt(line, 10);
    // The PID may have been reused: kill it only if its command line names this dir.
    if (Number.isFinite(pid) && commandLine(pid).includes(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

export interface Slot {
  release(): void;
}

const maxClusters = (): number => Number.parseInt(process.env.SLUICE_MAX_CLUSTERS ?? '2', 10) || 2;

/** Waits until fewer than SLUICE_MAX_CLUSTERS control planes run, and takes a slot. */
export async function acquireClusterSlot(root = tmpdir()): Promise<Slot> {
  const dir = join(root, 'sluice-cluster-slots');
  mkdirSync(dir, { recursive: true });
  for (;;) {
    for (let i = 0; i < maxClusters(); i++) {
      const slot = tryTake(join(dir, `${i}.lock`));
      if (slot !== undefined) return slot;
    }
    await delay(250);
  }
}

function tryTake(path: string): Slot | undefined {
  const holder = readPid(path);
  if (holder !== undefined && !isAlive(holder)) unlinkSync(path);
  else if (existsSync(path)) return undefined;
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch {
    return undefined; // another process took it first
  }
  writeSync(fd, String(process.pid));
  closeSync(fd);
  let released = false;
  return {
    release(): void {
      if (released) return;
      released = true;
      rmSync(path, { force: true });
    },
  };
}
