// Raw JSON requests to the API server, authenticated from the kubeconfig.
//
// Why not client-node's KubernetesObjectApi for everything: it runs every body through its
// ObjectSerializer, which for built-in kinds keeps only the fields its models know under
// their TypeScript names. A CRD's `x-kubernetes-int-or-string` (model: xKubernetesIntOrString)
// is silently dropped, so Istio's CRDs are refused; a field newer than the models would be
// lost the same way. Objects that come from users or Git are sent as written. See docs/adr/001.
import { request } from 'node:https';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { ApiException, type KubeConfig } from '@kubernetes/client-node';

export interface RawRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  readonly contentType?: string;
}

/** Sends one request; resolves with the parsed JSON body, rejects with ApiException on HTTP >= 400. */
export async function rawRequest<T>(kubeConfig: KubeConfig, req: RawRequest): Promise<T> {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + req.path);
  for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
  const options: RequestOptions & { headers: Record<string, string> } = {
    method: req.method,
    headers: { Accept: 'application/json' },
  };
  await kubeConfig.applyToHTTPSOptions(options);
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  if (payload !== undefined) options.headers['Content-Type'] = req.contentType ?? 'application/json';
  const { status, text, headers } = await send(url, options, payload);
  if (status >= 400) throw new ApiException(status, `HTTP ${status} ${req.method} ${req.path}`, text, headers);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

interface RawResponse {
  readonly status: number;
  readonly text: string;
  readonly headers: Record<string, string>;
}

async function send(url: URL, options: RequestOptions, payload: string | undefined): Promise<RawResponse> {
  const transport = url.protocol === 'https:' ? request : httpRequest;
  return new Promise((resolve, reject) => {
    const r = transport(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), headers: flatten(res.headers) }),
      );
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(payload);
  });
}

function flatten(headers: NodeJS.Dict<string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) if (value !== undefined) out[key] = String(value);
  return out;
}
