// The verb and resource of an API request path, for request metrics (bounded labels: resource
// types, never object names or namespaces).
//   /api/v1/namespaces/ns/pods/p/status        → patch  pods/status
//   /apis/sluice.dev/v1alpha1/rollouts?watch=… → watch  rollouts
//   /apis, /api/v1                             → get    discovery

export interface RequestLabels {
  readonly verb: string;
  readonly resource: string;
}

const WRITE_VERBS: Readonly<Record<string, string>> = { POST: 'create', PUT: 'update', PATCH: 'patch' };

export function requestLabels(method: string, path: string, query?: Readonly<Record<string, string | undefined>>): RequestLabels {
  const segments = path.split('?')[0]?.split('/').filter((s) => s !== '') ?? [];
  const rest = segments[0] === 'api' ? segments.slice(2) : segments.slice(3);
  if (rest.length === 0) return { verb: 'get', resource: 'discovery' };
  // A namespaced path: namespaces/<ns>/<resource>…; "namespaces" or "namespaces/<ns>" alone is the Namespace itself.
  const [resource = '', name, sub] = rest[0] === 'namespaces' && rest.length >= 3 ? rest.slice(2) : rest;
  return { verb: verbOf(method, name !== undefined, query?.watch === 'true'), resource: sub === undefined ? resource : `${resource}/${sub}` };
}

function verbOf(method: string, named: boolean, watch: boolean): string {
  if (method === 'GET') return watch ? 'watch' : named ? 'get' : 'list';
  if (method === 'DELETE') return named ? 'delete' : 'deletecollection';
  return WRITE_VERBS[method] ?? method.toLowerCase();
}
