// Sluice's own ESLint rules (plain JS: ESLint loads it without a build step).
//
// sluice/no-import-cycle: a module may not import, directly or through others, a module that
//   imports it back. eslint-plugin-import-x's no-cycle needs a native resolver binding whose
//   per-platform packages the npm lockfile here does not record (npm ci then refuses), so the
//   graph is built from the relative `import … from './x.ts'` specifiers, which is all this
//   codebase uses between its own modules.
// sluice/layers: imports go one way (docs/architecture.md):
//   cli → gitops | rollout | notify → traffic | analysis → kube → api | config | log | metrics
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+['"](\.[^'"]+)['"]|(?:^|\n)\s*import\s+['"](\.[^'"]+)['"]/g;

/** @type {Map<string, string[]>} file -> relative imports resolved to absolute paths */
const edgesCache = new Map();

function importsOf(file) {
  let edges = edgesCache.get(file);
  if (edges === undefined) {
    edges = [];
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(IMPORT)) {
        const specifier = match[1] ?? match[2];
        if (specifier?.endsWith('.ts')) edges.push(resolve(dirname(file), specifier));
      }
    }
    edgesCache.set(file, edges);
  }
  return edges;
}

/** A path of imports from `start` back to `target`, or undefined. */
function pathBack(start, target) {
  const seen = new Set();
  const stack = [[start, [start]]];
  while (stack.length > 0) {
    const [file, path] = stack.pop();
    if (file === target) return path;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const next of importsOf(file)) stack.push([next, [...path, next]]);
  }
  return undefined;
}

const noImportCycle = {
  meta: { type: 'problem', messages: { cycle: 'Import cycle: {{cycle}}' }, schema: [] },
  create(context) {
    const file = context.filename;
    edgesCache.delete(file); // the editor's buffer may differ from disk: re-read this one
    return {
      ImportDeclaration(node) {
        const specifier = node.source.value;
        if (typeof specifier !== 'string' || !specifier.startsWith('.') || !specifier.endsWith('.ts')) return;
        const target = resolve(dirname(file), specifier);
        const back = pathBack(target, file);
        if (back !== undefined) {
          const cycle = [file, ...back].map((f) => relative(context.cwd, f)).join(' → ');
          context.report({ node, messageId: 'cycle', data: { cycle } });
        }
      },
    };
  },
};

// Higher rank may import lower rank, never the reverse; peers of one rank may not import each
// other (gitops and rollout meet through annotations and status, ARCHITECTURE §5). The CLI sits
// on top; metrics is a leaf every layer may record into.
const RANK = { cli: 5, gitops: 4, rollout: 4, notify: 4, traffic: 3, analysis: 3, kube: 2, api: 1, config: 1, log: 1, metrics: 1 };

function layerOf(root, file) {
  const rel = relative(resolve(root, 'src'), file).split(sep);
  return rel.length > 1 && rel[0] !== '..' ? rel[0] : undefined;
}

const layers = {
  meta: { type: 'problem', messages: { upward: 'src/{{from}} may not import src/{{to}}: imports go cli → gitops|rollout → traffic|analysis → kube → api|config|log|metrics' }, schema: [] },
  create(context) {
    const from = layerOf(context.cwd, context.filename);
    return {
      ImportDeclaration(node) {
        const specifier = node.source.value;
        if (from === undefined || typeof specifier !== 'string' || !specifier.startsWith('.')) return;
        const to = layerOf(context.cwd, resolve(dirname(context.filename), specifier));
        if (to === undefined || to === from || RANK[from] === undefined || RANK[to] === undefined) return;
        if (RANK[to] >= RANK[from]) context.report({ node, messageId: 'upward', data: { from, to } });
      },
    };
  },
};

export default { rules: { 'no-import-cycle': noImportCycle, layers } };
