// Where the API server is and how to authenticate to it, without client-node: importing
// @kubernetes/client-node loads its generated models (~85 MB of RSS), and the controller's
// runtime only sends raw JSON (raw.ts, watch.ts). This reads in-cluster config and kubeconfig
// files for the common cases — TLS from files or inline data, bearer tokens (a token file
// re-read every minute, as client-go, so projected service-account tokens rotate), basic auth.
// Anything else (exec plugins, auth providers, impersonation, proxies) falls back to
// client-node's KubeConfig, loaded only then. See docs/adr/004.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import type { RequestOptions } from 'node:http';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { load } from 'js-yaml';
import type * as ClientNode from '@kubernetes/client-node';

export type ClientNodeModule = typeof ClientNode;

export type AuthorizableOptions = RequestOptions & { headers: Record<string, string> };

/** One API server and one identity: what every request needs. */
export interface Connection {
  /** The API server's base URL, without a trailing slash. */
  readonly server: string;
  /** Adds TLS settings and credentials to the options of a request to `server`. */
  authorize(options: AuthorizableOptions): Promise<void>;
  /** client-node's KubeConfig for the same cluster and user (typed clients only; needs client-node). */
  kubeConfig(clientNode: ClientNodeModule): ClientNode.KubeConfig;
}

/** The service-account files every pod gets, as client-go's rest.InClusterConfig reads them. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** How long a token read from a file is used before the file is read again (client-go: 1 min). */
const TOKEN_FILE_TTL_MS = 60_000;

export interface LoadOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Where ~/.kube/config is looked for. */
  readonly home?: string;
  readonly serviceAccountDir?: string;
  /** How unsupported kubeconfigs are loaded (default: import client-node). */
  readonly importClientNode?: () => Promise<ClientNodeModule>;
}

/**
 * The connection for a kubeconfig file, or with `path` undefined the default as client-node's
 * loadFromDefault: $KUBECONFIG (a list of files, merged), ~/.kube/config, in-cluster.
 */
export async function loadConnection(path?: string, options: LoadOptions = {}): Promise<Connection> {
  const env = options.env ?? process.env;
  const files = path !== undefined ? [path] : defaultFiles(env, options.home ?? homedir());
  if (files.length === 0) {
    const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
    const inCluster = inClusterConfig(env, dir);
    if (inCluster !== undefined) return new LightConnection(inCluster, (kc) => kc.loadFromCluster());
    return new LightConnection({ server: 'http://localhost:8080' }, (kc) => kc.loadFromDefault());
  }
  const config = currentConfig(files.map(readKubeconfig));
  const loadInto = (kc: ClientNode.KubeConfig): void => (path !== undefined ? kc.loadFromFile(path) : kc.loadFromDefault());
  if (config.unsupported === undefined) return new LightConnection(config, loadInto);
  const clientNode = await (options.importClientNode ?? (() => import('@kubernetes/client-node')))();
  const kubeConfig = new clientNode.KubeConfig();
  loadInto(kubeConfig);
  return connectionFromKubeConfig(kubeConfig);
}

/** A connection that authenticates through client-node's KubeConfig (tests, fallbacks). */
export function connectionFromKubeConfig(kubeConfig: ClientNode.KubeConfig): Connection {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  return {
    server: cluster.server.replace(/\/$/, ''),
    authorize: (options) => kubeConfig.applyToHTTPSOptions(options),
    kubeConfig: () => kubeConfig,
  };
}

/** What a connection is made of, whichever way it was configured. */
export interface ConnectionConfig {
  readonly server: string;
  readonly ca?: Buffer;
  readonly insecureSkipTlsVerify?: boolean;
  readonly tlsServerName?: string;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly username?: string;
  readonly password?: string;
  /** Set when the kubeconfig asks for something only client-node does (names what). */
  readonly unsupported?: string;
}

class LightConnection implements Connection {
  readonly server: string;
  readonly #config: ConnectionConfig;
  readonly #agent: Agent | undefined;
  readonly #loadInto: (kubeConfig: ClientNode.KubeConfig) => void;
  #token: { value: string; readAtMs: number } | undefined;
  #reading: Promise<string> | undefined;

  constructor(config: ConnectionConfig, loadInto: (kubeConfig: ClientNode.KubeConfig) => void) {
    this.server = config.server.replace(/\/$/, '');
    this.#config = config;
    this.#loadInto = loadInto;
    this.#agent = this.server.startsWith('https:') ? makeAgent(config) : undefined;
  }

  async authorize(options: AuthorizableOptions): Promise<void> {
    if (this.#agent !== undefined) options.agent = this.#agent;
    const { username, password } = this.#config;
    if (username !== undefined && username !== '') {
      options.headers.Authorization = `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
    }
    const token = await this.#bearerToken();
    if (token !== undefined && token !== '') options.headers.Authorization = `Bearer ${token}`;
  }

  kubeConfig(clientNode: ClientNodeModule): ClientNode.KubeConfig {
    const kubeConfig = new clientNode.KubeConfig();
    this.#loadInto(kubeConfig);
    return kubeConfig;
  }

  async #bearerToken(): Promise<string | undefined> {
    const { token, tokenFile } = this.#config;
    if (tokenFile === undefined) return token;
    if (this.#token !== undefined && Date.now() - this.#token.readAtMs < TOKEN_FILE_TTL_MS) return this.#token.value;
    this.#reading ??= readFile(tokenFile, 'utf8')
      .then((text) => {
        this.#token = { value: text.trim(), readAtMs: Date.now() };
        return this.#token.value;
      })
      .finally(() => (this.#reading = undefined));
    try {
      return await this.#reading;
    } catch (error) {
      // A rotation caught half way: keep using the token we have, if any.
      if (this.#token !== undefined) return this.#token.value;
      throw error;
    }
  }
}

/** One keep-alive agent per connection, holding its TLS settings (the global agent's defaults otherwise). */
function makeAgent(config: ConnectionConfig): Agent {
  return new Agent({
    keepAlive: true,
    scheduling: 'lifo',
    timeout: 5000,
    ca: config.ca,
    cert: config.cert,
    key: config.key,
    servername: config.tlsServerName,
    ...(config.insecureSkipTlsVerify === true ? { rejectUnauthorized: false } : {}),
  });
}

/** The in-cluster config, when running in a pod with a service-account token. */
export function inClusterConfig(env: NodeJS.ProcessEnv, dir: string): ConnectionConfig | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(dir, 'token');
  if (host === undefined || host === '' || port === undefined || port === '' || !existsSync(tokenFile)) return undefined;
  const caFile = join(dir, 'ca.crt');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: existsSync(caFile) ? readFileSync(caFile) : undefined,
    tokenFile,
  };
}

function defaultFiles(env: NodeJS.ProcessEnv, home: string): string[] {
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '' && existsSync(p));
  if (listed.length > 0) return listed;
  const own = join(home, '.kube', 'config');
  return existsSync(own) ? [own] : [];
}

// --- kubeconfig files ------------------------------------------------------------------------

type Fields = Readonly<Record<string, unknown>>;

interface Named {
  readonly name: string;
  readonly fields: Fields;
  /** The directory of the file it came from: relative paths are relative to it. */
  readonly dir: string;
}

interface KubeconfigFile {
  readonly currentContext: string | undefined;
  readonly clusters: readonly Named[];
  readonly users: readonly Named[];
  readonly contexts: readonly Named[];
}

function readKubeconfig(path: string): KubeconfigFile {
  const doc = (load(readFileSync(path, 'utf8')) ?? {}) as Fields;
  const dir = dirname(path);
  const named = (list: unknown, key: string): Named[] =>
    (Array.isArray(list) ? (list as Fields[]) : [])
      .filter((entry) => typeof entry.name === 'string')
      .map((entry) => ({ name: entry.name as string, fields: (entry[key] ?? {}) as Fields, dir }));
  const current = doc['current-context'];
  return {
    currentContext: typeof current === 'string' && current !== '' ? current : undefined,
    clusters: named(doc.clusters, 'cluster'),
    users: named(doc.users, 'user'),
    contexts: named(doc.contexts, 'context'),
  };
}

/**
 * The current context's cluster and user from kubeconfig files merged as kubectl merges
 * $KUBECONFIG: the first file to set a value (current-context, a cluster/user/context name) wins.
 */
export function currentConfig(files: readonly KubeconfigFile[]): ConnectionConfig {
  const first = (pick: (f: KubeconfigFile) => readonly Named[], name: string | undefined): Named | undefined =>
    name === undefined ? undefined : files.flatMap(pick).find((n) => n.name === name);
  const contextName = files.find((f) => f.currentContext !== undefined)?.currentContext;
  const context = first((f) => f.contexts, contextName);
  if (context === undefined) throw new Error(`the kubeconfig has no current context${contextName === undefined ? '' : ` (${contextName} is not defined)`}`);
  const cluster = first((f) => f.clusters, str(context.fields.cluster));
  if (cluster === undefined) throw new Error(`the kubeconfig's context ${context.name} names no known cluster`);
  const user = first((f) => f.users, str(context.fields.user));
  const [fromCluster, fromUser] = [clusterConfig(cluster), userConfig(user)];
  return { ...fromCluster, ...fromUser, unsupported: fromCluster.unsupported ?? fromUser.unsupported };
}

function clusterConfig({ fields, dir }: Named): ConnectionConfig {
  const server = str(fields.server);
  if (server === undefined) throw new Error('the kubeconfig\'s current cluster has no server');
  return {
    server,
    ca: bytes(fields['certificate-authority-data'], fields['certificate-authority'], dir),
    insecureSkipTlsVerify: fields['insecure-skip-tls-verify'] === true,
    tlsServerName: str(fields['tls-server-name']),
    unsupported: str(fields['proxy-url']) === undefined ? undefined : 'proxy-url',
  };
}

const UNSUPPORTED_USER_FIELDS = ['exec', 'auth-provider', 'as', 'as-uid', 'as-groups', 'as-user-extra'];

function userConfig(user: Named | undefined): Omit<ConnectionConfig, 'server'> {
  if (user === undefined) return {};
  const { fields, dir } = user;
  const tokenFile = str(fields.tokenFile);
  return {
    cert: bytes(fields['client-certificate-data'], fields['client-certificate'], dir),
    key: bytes(fields['client-key-data'], fields['client-key'], dir),
    token: str(fields.token),
    tokenFile: tokenFile === undefined ? undefined : absolute(tokenFile, dir),
    username: str(fields.username),
    password: str(fields.password),
    unsupported: UNSUPPORTED_USER_FIELDS.find((key) => fields[key] !== undefined && fields[key] !== null),
  };
}

/** Inline base64 data, else the file it names (relative to the kubeconfig's directory). */
function bytes(data: unknown, file: unknown, dir: string): Buffer | undefined {
  const inline = str(data);
  if (inline !== undefined) return Buffer.from(inline, 'base64');
  const path = str(file);
  return path === undefined ? undefined : readFileSync(absolute(path, dir));
}

function absolute(path: string, dir: string): string {
  return isAbsolute(path) ? path : join(dir, path);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
