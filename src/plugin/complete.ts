// Shell completion. kubectl (1.26+) completes `kubectl sluice …` by running the
// `kubectl_complete-sluice` bin with the words typed so far, the last being the one to complete,
// and reads Cobra's format back: one candidate per line, then `:<directive>`. `completion
// bash|zsh` prints a script that does the same for `kubectl-sluice` run on its own.
// `candidates` is pure except for `names`, which lists rollouts or applications from the cluster.

/** Cobra's directives: 4 = no file completion; 0 = the shell's default (files). */
export const NO_FILES = 4;
export const FILES = 0;

const TOP = ['abort', 'app', 'completion', 'get', 'lint', 'list', 'pause', 'promote', 'restart', 'resume', 'retry', 'set', 'status', 'undo', 'version'];
const SUBCOMMANDS: Readonly<Record<string, readonly string[]>> = {
  get: ['rollout'],
  list: ['rollouts'],
  set: ['image'],
  completion: ['bash', 'zsh'],
  app: ['diff', 'get', 'history', 'list', 'resume', 'rollback', 'suspend', 'sync'],
};
/** Commands whose first argument is a rollout, or an application. */
const ROLLOUT_COMMANDS = new Set(['abort', 'pause', 'promote', 'restart', 'resume', 'retry', 'status', 'undo', 'get rollout', 'set image']);
const APP_COMMANDS = new Set(['app diff', 'app get', 'app history', 'app resume', 'app rollback', 'app suspend', 'app sync']);
/** Global flags that take a value (their value is not a positional argument). */
const VALUE_FLAGS = new Set(['-n', '--namespace', '--context', '--kubeconfig', '-o', '--output', '--to-revision', '--timeout', '-t', '-f', '--filename', '--v']);

export interface Completion {
  readonly values: readonly string[];
  readonly directive: number;
}

export type NameLister = (kind: 'rollouts' | 'applications', flags: { namespace?: string; context?: string; kubeconfig?: string }) => Promise<string[]>;

interface Parsed {
  readonly words: string[];
  readonly flags: { namespace?: string; context?: string; kubeconfig?: string };
  readonly previousFlag: string | undefined;
}

const FLAG_TARGETS: Readonly<Record<string, 'namespace' | 'context' | 'kubeconfig'>> = { '-n': 'namespace', '--namespace': 'namespace', '--context': 'context', '--kubeconfig': 'kubeconfig' };

function splitFlag(word: string): [string, string | undefined] {
  const equals = word.indexOf('=');
  return equals < 0 ? [word, undefined] : [word.slice(0, equals), word.slice(equals + 1)];
}

function parse(typed: readonly string[]): Parsed {
  const words: string[] = [];
  const flags: Parsed['flags'] = {};
  for (let i = 0; i < typed.length; i++) {
    const word = typed[i] ?? '';
    if (!word.startsWith('-')) {
      words.push(word);
      continue;
    }
    const [flag, inline] = splitFlag(word);
    if (!VALUE_FLAGS.has(flag)) continue;
    const value = inline ?? typed[++i];
    const target = FLAG_TARGETS[flag];
    if (target !== undefined && value !== undefined) flags[target] = value;
  }
  const last = typed.at(-1);
  return { words, flags, previousFlag: last !== undefined && VALUE_FLAGS.has(last) ? last : undefined };
}

/** Completions for `typed` (the words before the one being completed) and `current`. */
export async function candidates(typed: readonly string[], current: string, names: NameLister): Promise<Completion> {
  const { words, flags, previousFlag } = parse(typed);
  const filter = (values: readonly string[]): string[] => values.filter((v) => v.startsWith(current));
  if (previousFlag !== undefined || current.startsWith('-')) return { values: [], directive: FILE_FLAGS.has(previousFlag ?? '') ? FILES : NO_FILES };
  const target = positionalTarget(words);
  if (target === undefined) return { values: [], directive: NO_FILES };
  if (typeof target !== 'string') return { values: filter(target), directive: NO_FILES };
  return { values: filter(await names(target, flags).catch(() => [])), directive: NO_FILES };
}

const FILE_FLAGS = new Set(['-f', '--filename', '--kubeconfig']);

/** What the next word is: one of some words, a rollout or application name, or nothing known. */
function positionalTarget(words: readonly string[]): readonly string[] | 'rollouts' | 'applications' | undefined {
  const [first, second] = words;
  if (first === undefined) return TOP;
  const sub = SUBCOMMANDS[first];
  if (sub !== undefined && second === undefined) return sub;
  const command = sub === undefined ? first : `${first} ${second ?? ''}`;
  if (words.length - (sub === undefined ? 1 : 2) > 0) return undefined;
  if (ROLLOUT_COMMANDS.has(command)) return 'rollouts';
  return APP_COMMANDS.has(command) ? 'applications' : undefined;
}

export function cobraOutput(completion: Completion): string {
  return `${[...completion.values, `:${completion.directive}`].join('\n')}\n`;
}

export function completionScript(shell: 'bash' | 'zsh'): string {
  const bash = `# kubectl-sluice completion (bash). \`kubectl sluice <TAB>\` needs none of this: kubectl runs
# kubectl_complete-sluice itself. Load with: source <(kubectl-sluice completion bash)
_kubectl_sluice() {
  local IFS=$'\\n' out
  out=$(kubectl_complete-sluice "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return
  local directive=\${out##*:}
  COMPREPLY=( $(printf '%s\\n' "$out" | grep -v '^:') )
  if [ "\${#COMPREPLY[@]}" -eq 0 ] && [ "$directive" = 0 ]; then COMPREPLY=( $(compgen -f -- "\${COMP_WORDS[COMP_CWORD]}") ); fi
}
complete -F _kubectl_sluice kubectl-sluice
`;
  return shell === 'bash' ? bash : `# kubectl-sluice completion (zsh), through bash's. Load with: source <(kubectl-sluice completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n${bash.split('\n').slice(2).join('\n')}`;
}
