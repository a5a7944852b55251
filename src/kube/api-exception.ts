// client-node's ApiException — the error every failed API request rejects with — from its own
// small module: the package's index would load every generated model (docs/adr/004). The class
// is the same one `@kubernetes/client-node` exports, so `instanceof` holds either way.
export { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
