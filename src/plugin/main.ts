// `kubectl sluice …`: the commands, parsed by commander. Each command opens the user's own
// session (session.ts), does one thing through the API, and prints one line or a view; errors are
// one line (errors.ts), with a hint to rerun with --v=6 only when unexpected.
import { readFile } from 'node:fs/promises';
import { Argument, Command, CommanderError, Option } from 'commander';
import { dump } from 'js-yaml';
import { API_VERSION, CONTROLLER_VERSION_ANNOTATION, LEASE_NAME } from '../api/names.ts';
import { getObject } from '../kube/patch.ts';
import { version } from '../version.ts';
import { describeError, UserError } from './errors.ts';
import { listApps, readApp, rollbackApp, setSuspended, syncApp } from './app.ts';
import { renderApp, renderAppList, renderDiff, renderHistory } from './app-render.ts';
import { completionScript } from './complete.ts';
import { gitopsWarning } from './gitops-warning.ts';
import { lintText } from './lint.ts';
import { operate, readRollout, type Operation } from './operations.ts';
import { undo } from './undo.ts';
import { readActualWeight, readTree } from './read-tree.ts';
import { renderList, renderRollout, type RolloutView } from './render.ts';
import { openSession, type GlobalOptions, type Session } from './session.ts';
import { waitForStatus } from './status.ts';
import { watchRollout } from './watch-view.ts';

interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTTY: boolean;
  readonly env: NodeJS.ProcessEnv;
}

interface Common extends GlobalOptions {
  readonly color?: boolean;
  readonly output?: string;
}

const OUTPUTS = ['json', 'yaml'];

function useColor(options: Common, io: Io): boolean {
  return options.color !== false && io.isTTY && (io.env.NO_COLOR ?? '') === '';
}

function printObject(io: Io, object: unknown, output: string | undefined): boolean {
  if (output === undefined) return false;
  io.out(output === 'json' ? `${JSON.stringify(object, null, 2)}\n` : dump(object, { noRefs: true, lineWidth: -1 }));
  return true;
}

/** The program, with every command wired to `io`; `run` parses and sets the exit code. */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('kubectl sluice')
    .description('Drive Sluice rollouts and Applications from kubectl.')
    .option('-n, --namespace <namespace>', 'the namespace (default: the context’s, else "default")')
    .option('--context <name>', 'the kubeconfig context to use')
    .option('--kubeconfig <path>', 'the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--no-color', 'never colour the output (NO_COLOR is honoured too)')
    .option('--v <level>', 'verbosity (6: show the stack of unexpected errors)')
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  const common = (command: Command): Common => command.optsWithGlobals<Common>();
  const operation = (name: string, description: string, op: (command: Command) => Operation, example: string): void => {
    program
      .command(`${name} <rollout>`)
      .description(description)
      .addHelpText('after', `\nExample:\n  ${example}\n`)
      .action(async (rollout: string, _options: unknown, command: Command) => {
        const session = openSession(common(command));
        io.out(`${await operate(session.clients, session.namespace, rollout, op(command))}\n`);
      });
  };
  operation('abort', 'Abort the update: traffic back to stable, canary scaled down', () => ({ kind: 'abort' }), 'kubectl sluice abort web -n shop');
  operation('retry', 'Start an aborted update again from its first step', () => ({ kind: 'retry' }), 'kubectl sluice retry web');
  operation('pause', 'Hold the rollout where it is (spec.paused)', () => ({ kind: 'pause' }), 'kubectl sluice pause web');
  operation('resume', 'Release a rollout held by pause', () => ({ kind: 'resume' }), 'kubectl sluice resume web');
  operation('restart', 'Recreate the stable pods one at a time (spec.restartAt = now)', () => ({ kind: 'restart', at: new Date().toISOString().replace(/\.\d{3}Z$/u, 'Z') }), 'kubectl sluice restart web');
  program
    .command('promote <rollout>')
    .description('End the current pause (or skip the current step); --full skips every remaining step')
    .option('--full', 'skip all remaining steps and analysis')
    .addHelpText('after', '\nExamples:\n  kubectl sluice promote web\n  kubectl sluice promote web --full\n')
    .action(async (rollout: string, options: { full?: boolean }, command: Command) => {
      const session = openSession(common(command));
      io.out(`${await operate(session.clients, session.namespace, rollout, { kind: 'promote', full: options.full === true })}\n`);
    });
  program
    .command('set')
    .description('Change a field of a rollout')
    .command('image <rollout> <assignment>')
    .description('Set a container’s image: CONTAINER=IMAGE')
    .addHelpText('after', '\nExample:\n  kubectl sluice set image web web=registry.example/web:v2\n')
    .action(async (rollout: string, assignment: string, _options: unknown, command: Command) => {
      const equals = assignment.indexOf('=');
      if (equals <= 0 || equals === assignment.length - 1) throw new UserError(`expected CONTAINER=IMAGE, got "${assignment}"`);
      const session = openSession(common(command));
      await warnIfGitOps(io, session, rollout);
      io.out(`${await operate(session.clients, session.namespace, rollout, { kind: 'set-image', container: assignment.slice(0, equals), image: assignment.slice(equals + 1) })}\n`);
    });
  program
    .command('undo <rollout>')
    .description('Set the template back to a former revision’s (default: the previous one)')
    .option('--to-revision <n>', 'the revision to go back to (see get rollout)')
    .addHelpText('after', '\nExamples:\n  kubectl sluice undo web\n  kubectl sluice undo web --to-revision 3\n')
    .action(async (rollout: string, options: { toRevision?: string }, command: Command) => {
      const revision = options.toRevision === undefined ? undefined : Number.parseInt(options.toRevision, 10);
      if (revision !== undefined && !(revision > 0)) throw new UserError(`--to-revision: expected a positive revision number, got "${options.toRevision ?? ''}"`);
      const session = openSession(common(command));
      await warnIfGitOps(io, session, rollout);
      io.out(`${await undo(session.clients, session.namespace, rollout, revision)}\n`);
    });
  program
    .command('get')
    .description('Show a rollout')
    .command('rollout <rollout>')
    .description('A rollout’s status, steps, weights, images, and its revisions, ReplicaSets, pods and AnalysisRuns')
    .addOption(new Option('-o, --output <format>', 'print the Rollout object').choices(OUTPUTS))
    .option('-w, --watch', 'redraw on every change (from watches) until Ctrl-C')
    .addHelpText('after', '\nExamples:\n  kubectl sluice get rollout web -n shop\n  kubectl sluice get rollout web --watch\n  kubectl sluice get rollout web -o yaml\n')
    .action(async (name: string, _options: unknown, command: Command) => {
      const options = common(command) as Common & { watch?: boolean };
      const session = openSession(options);
      if (options.watch === true) return watchView(io, session, name, useColor(options, io));
      const tree = await readTree(session.clients, session.namespace, name);
      if (printObject(io, tree.rollout, options.output)) return;
      io.out(renderRollout(tree, { now: Date.now(), color: useColor(options, io) }));
    });
  program
    .command('list')
    .description('List resources')
    .command('rollouts')
    .description('One row per rollout: status, step, set and actual weight, age')
    .option('-A, --all-namespaces', 'rollouts of every namespace')
    .addOption(new Option('-o, --output <format>', 'print the Rollout objects').choices(OUTPUTS))
    .addHelpText('after', '\nExamples:\n  kubectl sluice list rollouts\n  kubectl sluice list rollouts -A\n')
    .action(async (_options: unknown, command: Command) => {
      const options = common(command) as Common & { allNamespaces?: boolean };
      const session = openSession(options);
      const all = options.allNamespaces === true;
      const path = `/apis/${API_VERSION}${all ? '' : `/namespaces/${session.namespace}`}/rollouts`;
      const { items } = await session.clients.request<{ items: RolloutView[] }>({ method: 'GET', path });
      if (printObject(io, { apiVersion: 'v1', kind: 'List', items }, options.output)) return;
      if (items.length === 0) return void io.err(all ? 'No rollouts found.\n' : `No rollouts found in namespace "${session.namespace}".\n`);
      const rows = await Promise.all(items.map(async (rollout) => ({ rollout, actualWeight: await readActualWeight(session.clients, rollout) })));
      io.out(renderList(rows.map((r) => (r.actualWeight === undefined ? { rollout: r.rollout } : r)), { now: Date.now(), color: useColor(options, io), allNamespaces: all }));
    });
  program
    .command('status <rollout>')
    .description('Wait until the rollout is Healthy (exit 0) or Degraded (exit 1), printing each phase; --watch=false prints it once')
    .option('-w, --watch [bool]', 'wait for the end (default true)', 'true')
    .option('-t, --timeout <duration>', 'give up after this long (exit 1); 0 = never', '5m')
    .addHelpText('after', '\nExamples:\n  kubectl sluice status web --timeout 10m   # in a CI pipeline\n  kubectl sluice status web --watch=false\n')
    .action(async (name: string, options: { watch: string | boolean; timeout: string }, command: Command) => {
      const session = openSession(common(command));
      const watch = !(options.watch === false || options.watch === 'false');
      setExit(await waitForStatus(session.clients, session.namespace, name, { watch, timeout: options.timeout, print: (line) => io.out(`${line}\n`) }));
    });
  addAppCommands(program, io, setExit);
  program
    .command('lint')
    .description('Check Rollout, AnalysisTemplate, ClusterAnalysisTemplate and Application manifests offline: file:line: problem; exit 1 on any')
    .requiredOption('-f, --filename <file...>', 'files to check ("-" reads stdin)')
    .addHelpText('after', '\nExamples:\n  kubectl sluice lint -f deploy/rollout.yaml -f deploy/analysis.yaml\n  kustomize build overlays/prod | kubectl sluice lint -f -\n')
    .action(async (options: { filename: string[] }) => {
      let count = 0;
      for (const file of options.filename) {
        const text = file === '-' ? await readStdin() : await readFile(file, 'utf8').catch((error: unknown) => {
          throw new UserError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
        });
        const problems = lintText(text, file === '-' ? '<stdin>' : file);
        for (const p of problems) io.out(`${p.file}:${p.line}: ${p.message}\n`);
        count += problems.length;
      }
      if (count > 0) return setExit(1);
      io.out(`no problems in ${options.filename.map((f) => (f === '-' ? '<stdin>' : f)).join(', ')}\n`);
    });
  program
    .command('completion')
    .description('Print a completion script for kubectl-sluice run on its own (kubectl sluice <TAB> works without it)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .addHelpText('after', '\nExample:\n  source <(kubectl-sluice completion bash)\n')
    .action((shell: 'bash' | 'zsh') => io.out(completionScript(shell)));
  program
    .command('version')
    .description('Print the plugin’s version and the leading controller’s (from its Lease)')
    .option('--controller-namespace <namespace>', 'where the controller’s Lease is', 'sluice-system')
    .addHelpText('after', '\nExample:\n  kubectl sluice version\n')
    .action(async (options: { controllerNamespace: string }, command: Command) => {
      io.out(`kubectl-sluice ${version}\n`);
      io.out(`${await controllerVersion(() => openSession(common(command)), options.controllerNamespace)}\n`);
    });
  return program;
}

/** `app list | get | sync | diff | history | suspend | resume | rollback`. */
function addAppCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  const app = program.command('app').description('Applications: what Sluice syncs from Git');
  const common = (command: Command): Common => command.optsWithGlobals<Common>();
  app
    .command('list')
    .description('One row per Application: sync, health, revision, last healthy revision, age')
    .option('-A, --all-namespaces', 'Applications of every namespace')
    .addOption(new Option('-o, --output <format>', 'print the objects').choices(OUTPUTS))
    .addHelpText('after', '\nExamples:\n  kubectl sluice app list\n  kubectl sluice app list -A\n')
    .action(async (_options: unknown, command: Command) => {
      const options = common(command) as Common & { allNamespaces?: boolean };
      const session = openSession(options);
      const all = options.allNamespaces === true;
      const items = await listApps(session.clients, all ? undefined : session.namespace);
      if (printObject(io, { apiVersion: 'v1', kind: 'List', items }, options.output)) return;
      if (items.length === 0) return void io.err(all ? 'No applications found.\n' : `No applications found in namespace "${session.namespace}".\n`);
      io.out(renderAppList(items, Date.now(), all));
    });
  app
    .command('get <application>')
    .description('Source, sync and health, the last healthy revision, conditions and the inventory')
    .addOption(new Option('-o, --output <format>', 'print the object').choices(OUTPUTS))
    .addHelpText('after', '\nExamples:\n  kubectl sluice app get shop -n prod\n')
    .action(async (name: string, _options: unknown, command: Command) => {
      const options = common(command);
      const session = openSession(options);
      const application = await readApp(session.clients, session.namespace, name);
      if (!printObject(io, application, options.output)) io.out(renderApp(application));
    });
  app
    .command('history <application>')
    .description('The last syncs, newest first: revision, result, the health reached and what became of its rollouts')
    .addHelpText('after', '\nExamples:\n  kubectl sluice app history shop\n')
    .action(async (name: string, _options: unknown, command: Command) => {
      const session = openSession(common(command));
      io.out(renderHistory((await readApp(session.clients, session.namespace, name)).status?.history ?? []));
    });
  app
    .command('diff <application>')
    .description('What differs from Git as the controller last compared: exit 0 in sync, 1 differs, 2 unknown (an error)')
    .addHelpText('after', '\nExamples:\n  kubectl sluice app diff shop || echo "shop differs from Git"\n')
    .action(async (name: string, _options: unknown, command: Command) => {
      const session = openSession(common(command));
      const application = await readApp(session.clients, session.namespace, name);
      const status = application.status?.sync?.status ?? 'Unknown';
      if (status === 'Unknown') {
        io.err(`error: application "${name}" could not be compared: ${application.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? 'not reconciled yet'}\n`);
        return setExit(2);
      }
      io.out(renderDiff(application));
      setExit(status === 'Synced' ? 0 : 1);
    });
  app
    .command('sync <application>')
    .description('Sync now (a manual Application applies; an automated one looks at Git at once) and wait for the result')
    .option('--timeout <seconds>', 'how long to wait for the controller', '120')
    .addHelpText('after', '\nExamples:\n  kubectl sluice app sync shop --timeout 300\n')
    .action(async (name: string, options: { timeout: string }, command: Command) => {
      const session = openSession(common(command));
      const result = await syncApp(session.clients, session.namespace, name, (Number.parseInt(options.timeout, 10) || 120) * 1000);
      io.out(`${result.line}\n`);
      setExit(result.ok ? 0 : 1);
    });
  for (const [verb, suspend] of [['suspend', true], ['resume', false]] as const) {
    app
      .command(`${verb} <application>`)
      .description(suspend ? 'Stop syncing (spec.suspend)' : 'Sync again after suspend')
      .addHelpText('after', `\nExample:\n  kubectl sluice app ${verb} shop\n`)
      .action(async (name: string, _options: unknown, command: Command) => {
        const session = openSession(common(command));
        io.out(`${await setSuspended(session.clients, session.namespace, name, suspend)}\n`);
      });
  }
  app
    .command('rollback <application>')
    .description('Pin spec.source.targetRevision to the last healthy revision (or --to-revision) and say how to unpin')
    .option('--to-revision <sha>', 'the commit to pin to')
    .addHelpText('after', '\nExamples:\n  kubectl sluice app rollback shop\n  kubectl sluice app rollback shop --to-revision 3f9c2e1\n')
    .action(async (name: string, options: { toRevision?: string }, command: Command) => {
      const session = openSession(common(command));
      io.out(`${await rollbackApp(session.clients, session.namespace, name, options.toRevision)}\n`);
    });
}

/** The leading controller's version, as it writes it on its Lease; never fails the command. */
async function controllerVersion(session: () => Session, namespace: string): Promise<string> {
  try {
    const lease = await getObject(session().clients, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name: LEASE_NAME });
    if (lease === undefined) return `controller: unknown (no Lease ${namespace}/${LEASE_NAME}: not running, or without leader election)`;
    const holder = (lease as { spec?: { holderIdentity?: string } }).spec?.holderIdentity ?? '';
    return `controller ${lease.metadata.annotations?.[CONTROLLER_VERSION_ANNOTATION] ?? 'unknown'} (leader: ${holder === '' ? 'none' : holder})`;
  } catch (error) {
    return `controller: unknown (${describeError(error).line.replace(/^error: /u, '')})`;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function warnIfGitOps(io: Io, session: Session, name: string): Promise<void> {
  const warning = await gitopsWarning(session.clients, await readRollout(session.clients, session.namespace, name));
  if (warning !== undefined) io.err(`${warning}\n`);
}

/** Redraws until SIGINT/SIGTERM: in place on a terminal, else one view per change. */
async function watchView(io: Io, session: Session, name: string, color: boolean): Promise<void> {
  const stop = new AbortController();
  const interrupt = (): void => stop.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  let last = '';
  try {
    await watchRollout(session.clients, session.namespace, name, {
      stop: stop.signal,
      draw: (tree) => {
        const text = renderRollout(tree, { now: Date.now(), color });
        if (text === last) return;
        io.out(io.isTTY ? `\u001b[2J\u001b[H${text}` : `${last === '' ? '' : '\n'}${text}`);
        last = text;
      },
    });
  } finally {
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
  }
}

/** Runs the plugin with `argv` (without node and the script); resolves with the exit code. */
export async function runPlugin(argv: readonly string[], io: Io): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    const { line, expected } = describeError(error);
    io.err(`${line}\n`);
    if (!expected) io.err(argv.includes('--v=6') && error instanceof Error ? `${error.stack ?? ''}\n` : 'run again with --v=6 for details\n');
    return 1;
  }
}
