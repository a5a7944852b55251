// node:http without its ES module namespace. `import … from 'node:http'` builds the namespace
// from every export, which runs the lazy getters `WebSocket`, `CloseEvent` and `MessageEvent` and
// so loads undici: ~13 MiB of RSS in a bare Node process, for nothing the controller uses. With
// prom-client's index gone too (metrics/prom.ts), the controller's import RSS went from 76 to
// 71 MiB (docs/adr/008). The CommonJS exports object that process.getBuiltinModule returns runs
// no getter. Type-only imports of 'node:http' are erased and stay as they are.
export const http = process.getBuiltinModule('node:http');
