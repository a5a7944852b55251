import { writeFileSync } from 'node:fs';
import { dump } from 'js-yaml';
import { pemBase64, type KeyPair } from './pki.ts';

export interface KubeconfigInput {
  readonly server: string;
  readonly caCertPath: string;
  readonly user: string;
  readonly client: KeyPair;
}

/** Writes a self-contained kubeconfig (certificates inline) and returns its path. */
export function writeKubeconfig(path: string, input: KubeconfigInput): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'sluice-test', cluster: { server: input.server, 'certificate-authority-data': pemBase64(input.caCertPath) } },
    ],
    users: [
      {
        name: input.user,
        user: {
          'client-certificate-data': pemBase64(input.client.certPath),
          'client-key-data': pemBase64(input.client.keyPath),
        },
      },
    ],
    contexts: [{ name: input.user, context: { cluster: 'sluice-test', user: input.user, namespace: 'default' } }],
    'current-context': input.user,
  };
  writeFileSync(path, dump(config), { mode: 0o600 });
  return path;
}
