// Processes the harness starts: each logs to a file in its own temp dir, is stopped by its
// own PID (SIGTERM, then SIGKILL), and is killed too when the test process exits or is
// interrupted. A component that dies unexpectedly is reported with its log tail instead of
// leaving a test to hang on a condition that can no longer come true.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<Exit>;
}

export class ComponentDiedError extends Error {
  readonly component: string;
  readonly exit: Exit;
  readonly logTail: string;

  constructor(component: string, exit: Exit, logTail: string) {
    super(
      `${component} exited unexpectedly (code ${String(exit.code)}, signal ${String(exit.signal)}); last log lines:\n${logTail}`,
    );
    this.name = 'ComponentDiedError';
    this.component = component;
    this.exit = exit;
    this.logTail = logTail;
  }
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

const liveChildren = new Set<ChildProcess>();
let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  // 'exit' handlers must be synchronous: a SIGKILL is all that is certain to be sent.
  process.on('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
  for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]] as const) {
    process.on(signal, () => {
      // A program with its own handler (cluster-cli's graceful stop) decides; else die now.
      if (process.listenerCount(signal) > 1) return;
      for (const child of liveChildren) child.kill('SIGKILL');
      process.exit(128 + number);
    });
  }
}

export class ProcessGroup {
  readonly #dir: string;
  readonly #processes: { proc: ManagedProcess; child: ChildProcess }[] = [];
  readonly #unexpected: { name: string; exit: Exit }[] = [];
  #stopping = false;

  /** `dir` holds the logs and a `pids` file a later run uses to clean up after a killed runner. */
  constructor(dir: string) {
    this.#dir = dir;
    installExitHooks();
  }

  start(name: string, command: string, args: readonly string[], options: StartOptions = {}): ManagedProcess {
    const logPath = join(this.#dir, `${name}.log`);
    const fd = openSync(logPath, 'a');
    const child = spawn(command, args, {
      stdio: ['ignore', fd, fd],
      env: options.env ?? process.env,
      cwd: options.cwd ?? this.#dir,
    });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    liveChildren.add(child);
    appendFileSync(join(this.#dir, 'pids'), `${child.pid} ${name}\n`);
    const exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        liveChildren.delete(child);
        const exit = { code, signal };
        if (!this.#stopping && !stoppedOnPurpose.has(child)) this.#unexpected.push({ name, exit });
        resolve(exit);
      });
    });
    const proc: ManagedProcess = { name, pid: child.pid, logPath, exited };
    this.#processes.push({ proc, child });
    return proc;
  }

  /** The pid of the running process `name` (for SIGSTOP/SIGCONT: a component that hangs). */
  pid(name: string): number {
    const entry = this.#processes.find((p) => p.proc.name === name && p.child.exitCode === null && p.child.signalCode === null);
    if (entry === undefined) throw new Error(`no running process ${name}`);
    return entry.proc.pid;
  }

  /** The processes still running, by name (for per-process CPU figures in the benchmarks). */
  running(): { name: string; pid: number }[] {
    return this.#processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null).map((p) => ({ name: p.proc.name, pid: p.proc.pid }));
  }

  /** Throws ComponentDiedError, with its log tail, if any process has exited unexpectedly. */
  assertAlive(): void {
    const death = this.#unexpected[0];
    if (death !== undefined) throw new ComponentDiedError(death.name, death.exit, this.logTail(death.name));
  }

  logTail(name: string, lines = 20): string {
    try {
      const text = readFileSync(join(this.#dir, `${name}.log`), 'utf8');
      return text.trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Stops one process on purpose (it is not reported as a death). */
  async stopOne(name: string, graceMs = 5_000): Promise<void> {
    const entry = this.#processes.find((p) => p.proc.name === name);
    if (entry !== undefined) await terminate(entry.child, entry.proc.exited, graceMs);
  }

  /** Sends `signal` (e.g. SIGKILL, to simulate a crash) to a process on purpose: not reported as a death. */
  async kill(name: string, signal: NodeJS.Signals): Promise<Exit | undefined> {
    const entry = this.#processes.find((p) => p.proc.name === name && p.child.exitCode === null && p.child.signalCode === null);
    if (entry === undefined) return undefined;
    stoppedOnPurpose.add(entry.child);
    entry.child.kill(signal);
    return entry.proc.exited;
  }

  /** Stops a process that failed to start (e.g. its port was taken) and forgets it, so a retry starts clean. */
  async discard(name: string): Promise<void> {
    await this.stopOne(name, 1_000);
    const keep = this.#processes.filter((p) => p.proc.name !== name);
    this.#processes.splice(0, this.#processes.length, ...keep);
    const deaths = this.#unexpected.filter((d) => d.name !== name);
    this.#unexpected.splice(0, this.#unexpected.length, ...deaths);
  }

  /** SIGTERM every process (last started first), SIGKILL what is still alive after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    this.#stopping = true;
    for (const { child, proc } of [...this.#processes].reverse()) await terminate(child, proc.exited, graceMs);
  }
}

const stoppedOnPurpose = new WeakSet<ChildProcess>();

async function terminate(child: ChildProcess, exited: Promise<Exit>, graceMs: number): Promise<void> {
  stoppedOnPurpose.add(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
