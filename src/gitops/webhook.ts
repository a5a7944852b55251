// POST /webhook/git: a Git host tells the controller that a repository changed, so the sync
// starts now instead of at the next interval. Signed as GitHub signs its webhooks: the header
// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>` with a secret shared through a
// Secret (read per call, so a rotated secret takes effect at once). A valid call sets the
// reconcile annotation on every Application of that repository; since it is an API write, it
// works on any replica (the handler lists Applications itself) and whichever one leads acts on it.
// A missing or wrong signature gets 401 and changes nothing.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { APPLICATION_KIND, type Application } from '../api/application.ts';
import { API_VERSION, GITOPS_FIELD_MANAGER, RECONCILE_ANNOTATION } from '../api/names.ts';
import type { KubeClients } from '../kube/api-clients.ts';
import type { Logger } from '../kube/logger.ts';
import type { KubeObject } from '../kube/object.ts';
import { getObject, mergePatchObject } from '../kube/patch.ts';

export const WEBHOOK_PATH = '/webhook/git';
/** Bodies larger than this are refused (GitHub caps payloads at 25 MB; pushes are far smaller). */
export const MAX_WEBHOOK_BODY = 1024 * 1024;

export interface WebhookSecretRef {
  readonly namespace: string;
  readonly name: string;
  readonly key: string;
}

/** `namespace/name[:key]` (key default `secret`). */
export function parseSecretRef(text: string): WebhookSecretRef | undefined {
  const match = /^([a-z0-9-]+)\/([a-z0-9.-]+)(?::([-._a-zA-Z0-9]+))?$/u.exec(text);
  if (match === null) return undefined;
  return { namespace: match[1] as string, name: match[2] as string, key: match[3] ?? 'secret' };
}

/** Constant-time check of `sha256=<hex>` against the body. */
export function validSignature(body: Buffer, header: string | undefined, secret: string): boolean {
  if (header === undefined || !header.startsWith('sha256=') || secret === '') return false;
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  const expected = createHmac('sha256', secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The repository URLs a push payload names (GitHub, Gitea/Forgejo, GitLab, Bitbucket shapes). */
export function repositoryUrls(payload: unknown): string[] {
  const p = (payload ?? {}) as { repository?: Record<string, unknown>; project?: Record<string, unknown> };
  const fields = ['clone_url', 'html_url', 'ssh_url', 'git_url', 'url', 'git_http_url', 'git_ssh_url', 'http_url', 'ssh_url_to_repo', 'http_url_to_repo'];
  const urls = [p.repository, p.project].flatMap((o) => fields.map((f) => o?.[f]));
  return [...new Set(urls.filter((u): u is string => typeof u === 'string' && u !== ''))];
}

/**
 * A comparable form of a repository URL: scheme and user dropped, host lower-cased, no trailing
 * `/` or `.git`; scp-like `git@host:org/repo` reads as `host/org/repo`.
 */
export function normalizeRepoUrl(url: string): string {
  let rest = url.trim();
  const scp = /^[^/@:]+@([^:/]+):(?!\/)(.*)$/u.exec(rest);
  if (scp !== null) rest = `${scp[1] as string}/${scp[2] as string}`;
  else rest = rest.replace(/^[a-z][a-z0-9+.-]*:\/\//iu, '').replace(/^[^/@]*@/u, '');
  const slash = rest.indexOf('/');
  const host = (slash < 0 ? rest : rest.slice(0, slash)).toLowerCase().replace(/:(22|80|443)$/u, '');
  const path = slash < 0 ? '' : rest.slice(slash);
  return `${host}${path}`.replace(/\/+$/u, '').replace(/\.git$/u, '');
}

export interface WebhookResponse {
  readonly status: number;
  readonly body: string;
}

export interface WebhookDeps {
  readonly clients: KubeClients;
  readonly logger: Logger;
  readonly secretRef: WebhookSecretRef;
  /** Limit to Applications of one namespace (the controller's --namespace). */
  readonly namespace?: string;
  readonly now: () => number;
}

type ApplicationObject = KubeObject & Application;

export async function handleWebhook(deps: WebhookDeps, headers: Readonly<Record<string, string | string[] | undefined>>, body: Buffer): Promise<WebhookResponse> {
  const secret = await readSecret(deps);
  if (secret === undefined) return { status: 503, body: 'webhook secret not available\n' };
  const signature = headers['x-hub-signature-256'];
  if (!validSignature(body, typeof signature === 'string' ? signature : undefined, secret)) {
    deps.logger.warn({ webhook: WEBHOOK_PATH }, 'webhook call with a missing or wrong signature refused');
    return { status: 401, body: 'invalid signature\n' };
  }
  if (headers['x-github-event'] === 'ping') return { status: 200, body: 'pong\n' };
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return { status: 400, body: 'the body is not JSON\n' };
  }
  const urls = new Set(repositoryUrls(payload).map(normalizeRepoUrl));
  if (urls.size === 0) return { status: 400, body: 'the payload names no repository\n' };
  const requested = await requestReconcile(deps, urls);
  deps.logger.info({ repositories: [...urls], applications: requested }, 'webhook: reconcile requested');
  return { status: 202, body: `reconcile requested for ${requested.length} application(s)\n` };
}

async function readSecret(deps: WebhookDeps): Promise<string | undefined> {
  const { namespace, name, key } = deps.secretRef;
  try {
    const secret = await getObject<KubeObject & { data?: Record<string, string> }>(deps.clients, { apiVersion: 'v1', kind: 'Secret', namespace, name });
    const encoded = secret?.data?.[key];
    return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
  } catch (error) {
    deps.logger.warn({ secret: `${namespace}/${name}`, err: error instanceof Error ? error.message : String(error) }, 'webhook: cannot read the secret');
    return undefined;
  }
}

async function requestReconcile(deps: WebhookDeps, urls: ReadonlySet<string>): Promise<string[]> {
  const scope = deps.namespace === undefined ? '' : `/namespaces/${deps.namespace}`;
  const list = await deps.clients.request<{ items: ApplicationObject[] }>({ method: 'GET', path: `/apis/${API_VERSION}${scope}/applications` });
  const matching = list.items.filter((a) => urls.has(normalizeRepoUrl(a.spec.source.repoURL)));
  const value = new Date(deps.now()).toISOString();
  await Promise.all(
    matching.map((a) =>
      mergePatchObject(deps.clients, { apiVersion: API_VERSION, kind: APPLICATION_KIND, namespace: a.metadata.namespace ?? 'default', name: a.metadata.name }, { metadata: { annotations: { [RECONCILE_ANNOTATION]: value } } }, { fieldManager: GITOPS_FIELD_MANAGER }),
    ),
  );
  return matching.map((a) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`);
}
