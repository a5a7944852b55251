// How the controller's Node process is started, as shipped (docs/adr/005, 008). The same flags
// and environment are in the bin's shebang (src/cli/sluice.ts), in the Deployment
// (crds/controller.yaml), and wherever the tests, `make bench` and `make demo` start a
// controller; runtime.test.ts keeps them equal.

/**
 * A 2 MiB young generation (the controller's garbage is short-lived JSON from watch events), and
 * V8's memory-over-speed mode, whose smaller heap growth halved the heap at 1,000 Rollouts (94 →
 * 47 MiB, peak RSS 180 → 143 MiB) for no measurable CPU. --optimize-for-size is not allowed in
 * NODE_OPTIONS: it reaches Node on its command line only (the bin's shebang).
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--optimize-for-size'];

/**
 * At most two glibc malloc arenas. Node's GC and compiler threads each get an arena of their own
 * by default, and memory freed in them is rarely returned: at 1,000 Rollouts this alone was
 * about 40 MiB of RSS (222 → 180 MiB in the same benchmark).
 */
export const NODE_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
