// Certificates for a throw-away cluster, made with the openssl CLI (argument arrays, no
// shell): a serving CA and certificate for 127.0.0.1/localhost, a client CA whose
// certificates authenticate users (CN = user, O = groups), and a service-account key pair.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KeyPair {
  readonly certPath: string;
  readonly keyPath: string;
}

export interface ClusterPki {
  readonly servingCa: KeyPair;
  readonly serving: KeyPair;
  readonly clientCa: KeyPair;
  readonly admin: KeyPair;
  readonly serviceAccountKeyPath: string;
  readonly serviceAccountPubPath: string;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const DAYS = ['-days', '3650'];

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    throw new Error(`openssl ${args[0] ?? ''} failed: ${(error as { stderr?: string }).stderr ?? String(error)}`, {
      cause: error,
    });
  }
}

/** An openssl -subj value: RDN values escaped so a name cannot add components. */
function subject(commonName: string, organizations: readonly string[] = []): string {
  const escape = (value: string): string => value.replace(/[\\/+=,]/g, (c) => `\\${c}`);
  return [...organizations.map((o) => `/O=${escape(o)}`), `/CN=${escape(commonName)}`].join('');
}

async function makeCa(dir: string, name: string): Promise<KeyPair> {
  const pair = { certPath: join(dir, `${name}.crt`), keyPath: join(dir, `${name}.key`) };
  await openssl([
    'req', '-x509', ...EC_KEY, ...DAYS, '-keyout', pair.keyPath, '-out', pair.certPath,
    '-subj', subject(name),
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return pair;
}

export interface CertRequest {
  readonly name: string;
  readonly commonName: string;
  readonly organizations?: readonly string[];
  readonly usage: 'serverAuth' | 'clientAuth';
  readonly altNames?: readonly string[];
}

/** Issues a certificate signed by `ca` into `dir`. */
export async function issueCert(dir: string, ca: KeyPair, request: CertRequest): Promise<KeyPair> {
  const pair = { certPath: join(dir, `${request.name}.crt`), keyPath: join(dir, `${request.name}.key`) };
  const extensions = [
    '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
    '-addext', `extendedKeyUsage=${request.usage}`,
  ];
  if (request.altNames !== undefined) extensions.push('-addext', `subjectAltName=${request.altNames.join(',')}`);
  await openssl([
    'req', '-x509', ...EC_KEY, ...DAYS, '-keyout', pair.keyPath, '-out', pair.certPath,
    '-CA', ca.certPath, '-CAkey', ca.keyPath,
    '-subj', subject(request.commonName, request.organizations), ...extensions,
  ]);
  return pair;
}

async function makeServiceAccountKeys(dir: string): Promise<{ key: string; pub: string }> {
  const key = join(dir, 'sa.key');
  const pub = join(dir, 'sa.pub');
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', key]);
  await openssl(['pkey', '-in', key, '-pubout', '-out', pub]);
  return { key, pub };
}

export async function makeClusterPki(dir: string): Promise<ClusterPki> {
  const [servingCa, clientCa, sa] = await Promise.all([
    makeCa(dir, 'serving-ca'),
    makeCa(dir, 'client-ca'),
    makeServiceAccountKeys(dir),
  ]);
  const [serving, admin] = await Promise.all([
    issueCert(dir, servingCa, {
      name: 'apiserver',
      commonName: 'kube-apiserver',
      usage: 'serverAuth',
      // 10.96.0.1 is the `kubernetes` Service's ClusterIP in 10.96.0.0/16.
      altNames: ['IP:127.0.0.1', 'DNS:localhost', 'IP:10.96.0.1', 'DNS:kubernetes', 'DNS:kubernetes.default.svc'],
    }),
    issueCert(dir, clientCa, {
      name: 'admin',
      commonName: 'sluice-admin',
      organizations: ['system:masters'],
      usage: 'clientAuth',
    }),
  ]);
  return { servingCa, serving, clientCa, admin, serviceAccountKeyPath: sa.key, serviceAccountPubPath: sa.pub };
}

export function pemBase64(path: string): string {
  return readFileSync(path).toString('base64');
}
