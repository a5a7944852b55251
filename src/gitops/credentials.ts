// Git credentials from the Application's credentialsSecretRef: read at each fetch, held only in
// memory for its length, never logged or written anywhere but the git child's environment and
// 0600 files under the data dir (gitops/source).
import type { KubeClients } from '../kube/api-clients.ts';
import { messageOf } from '../kube/errors.ts';
import type { KubeObject } from '../kube/object.ts';
import { getObject } from '../kube/patch.ts';
import type { GitCredentials } from './source.ts';

interface SecretObject extends KubeObject {
  readonly data?: Readonly<Record<string, string>>;
}

export type CredentialsResult = { readonly ok: true; readonly credentials?: GitCredentials } | { readonly ok: false; readonly message: string };

const KEYS = ['username', 'password', 'token', 'sshPrivateKey', 'knownHosts'] as const;

export async function readCredentials(clients: Pick<KubeClients, 'request' | 'discovery'>, namespace: string, name: string | undefined): Promise<CredentialsResult> {
  if (name === undefined) return { ok: true };
  let secret: SecretObject | undefined;
  try {
    secret = await getObject<SecretObject>(clients, { apiVersion: 'v1', kind: 'Secret', namespace, name });
  } catch (error) {
    return { ok: false, message: `reading Secret ${namespace}/${name}: ${messageOf(error)}` };
  }
  if (secret === undefined) return { ok: false, message: `credentials Secret ${namespace}/${name} not found` };
  const credentials: Partial<Record<(typeof KEYS)[number], string>> = {};
  for (const key of KEYS) {
    const encoded = secret.data?.[key];
    if (encoded !== undefined) credentials[key] = Buffer.from(encoded, 'base64').toString('utf8');
  }
  if (Object.keys(credentials).length === 0) return { ok: false, message: `credentials Secret ${namespace}/${name} has none of the keys ${KEYS.join(', ')}` };
  return { ok: true, credentials };
}
