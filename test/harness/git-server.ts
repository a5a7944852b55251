// startGitServer(): bare repositories served on loopback two ways — `git daemon` (git://)
// and git's smart HTTP backend behind a small HTTP server, optionally with basic auth —
// plus a helper that commits files and pushes them, for the GitOps tests.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, withPortRetry } from './ports.ts';
import { ProcessGroup } from './processes.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);

export interface GitServerOptions {
  /** Require HTTP basic auth with these credentials on the HTTP endpoint. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
}

export interface GitServer {
  readonly root: string;
  /** Creates an empty bare repository `<name>.git` with default branch `main`. */
  createRepo(name: string): Promise<void>;
  gitUrl(name: string): string;
  httpUrl(name: string): string;
  fileUrl(name: string): string;
  /** Writes `files` (path → content; null deletes) on `branch`, commits, pushes; returns the commit SHA. */
  commit(name: string, files: Readonly<Record<string, string | null>>, message: string, branch?: string): Promise<string>;
  /** `git revert` of a commit on main, pushed; returns the new commit's SHA. */
  revert(name: string, sha: string): Promise<string>;
  stop(): Promise<void>;
}

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Sluice Test',
  GIT_AUTHOR_EMAIL: 'test@sluice.invalid',
  GIT_COMMITTER_NAME: 'Sluice Test',
  GIT_COMMITTER_EMAIL: 'test@sluice.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

async function git(args: readonly string[], cwd?: string): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: gitEnv });
  return stdout.trim();
}

export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-git-'));
  const root = join(dir, 'repos');
  const work = join(dir, 'work');
  mkdirSync(root);
  mkdirSync(work);
  const processes = new ProcessGroup(dir);
  const daemonPort = await startDaemon(processes, root);
  const http = await startHttp(root, options);
  const httpPort = (http.address() as { port: number }).port;
  return {
    root,
    async createRepo(name) {
      await git(['init', '--quiet', '--bare', '--initial-branch=main', join(root, `${name}.git`)]);
      await git(['clone', '--quiet', join(root, `${name}.git`), join(work, name)]);
    },
    gitUrl: (name) => `git://127.0.0.1:${daemonPort}/${name}.git`,
    httpUrl: (name) => `http://127.0.0.1:${httpPort}/${name}.git`,
    fileUrl: (name) => `file://${join(root, `${name}.git`)}`,
    async commit(name, files, message, branch = 'main') {
      const tree = join(work, name);
      await git(['checkout', '--quiet', '-B', branch], tree);
      for (const [path, content] of Object.entries(files)) {
        if (content === null) rmSync(join(tree, path), { force: true });
        else {
          mkdirSync(dirname(join(tree, path)), { recursive: true });
          writeFileSync(join(tree, path), content);
        }
      }
      await git(['add', '--all'], tree);
      await git(['commit', '--quiet', '--allow-empty', '-m', message], tree);
      await git(['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`], tree);
      return git(['rev-parse', 'HEAD'], tree);
    },
    async revert(name, sha) {
      const tree = join(work, name);
      await git(['checkout', '--quiet', 'main'], tree);
      await git(['revert', '--no-edit', sha], tree);
      await git(['push', '--quiet', 'origin', 'HEAD:refs/heads/main'], tree);
      return git(['rev-parse', 'HEAD'], tree);
    },
    async stop() {
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await processes.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startDaemon(processes: ProcessGroup, root: string): Promise<number> {
  return withPortRetry(async () => {
    const port = await freePort();
    processes.start('git-daemon', 'git', [
      'daemon', '--reuseaddr', '--listen=127.0.0.1', `--port=${port}`, `--base-path=${root}`,
      '--export-all', '--enable=receive-pack', '--informative-errors', root,
    ], { env: gitEnv });
    try {
      await waitFor('git daemon to listen', () => canConnect(port), {
        timeoutMs: 10_000,
        intervalMs: 20,
        assertAlive: () => processes.assertAlive(),
      });
    } catch (error) {
      await processes.discard('git-daemon');
      throw error;
    }
    return port;
  });
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function startHttp(root: string, options: GitServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    if (!authorized(req, options)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="sluice-test"' }).end('unauthorized\n');
      return;
    }
    serveGit(root, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return server;
}

function authorized(req: IncomingMessage, options: GitServerOptions): boolean {
  if (options.basicAuth === undefined) return true;
  const expected = Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString('base64');
  return req.headers.authorization === `Basic ${expected}`;
}

/** Runs `git http-backend` as a CGI program for one request. */
function serveGit(root: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const backend = spawn('git', ['http-backend'], {
    env: {
      ...gitEnv,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      REMOTE_USER: 'sluice-test', // lets http-backend accept pushes
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    },
  });
  req.pipe(backend.stdin);
  let head = Buffer.alloc(0);
  let headerDone = false;
  backend.stdout.on('data', (chunk: Buffer) => {
    if (headerDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headerDone = true;
    writeCgiHead(res, head.subarray(0, end).toString());
    res.write(head.subarray(end + 4));
  });
  backend.on('close', () => res.end());
  backend.on('error', () => res.writeHead(500).end());
}

function writeCgiHead(res: ServerResponse, text: string): void {
  let status = 200;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
    else res.setHeader(name, value);
  }
  res.writeHead(status);
}
