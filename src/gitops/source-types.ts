// What the Git source takes and gives back (types only; source.ts does the work).

export interface SourceSpec {
  readonly repoURL: string;
  /** Branch, tag or commit SHA; default HEAD (the remote's default branch). */
  readonly targetRevision?: string;
  /** Directory inside the repository, default the root. */
  readonly path?: string;
}

export interface GitCredentials {
  readonly username?: string;
  readonly password?: string;
  /** https: sent as the password (username `x-access-token` unless one is given). */
  readonly token?: string;
  readonly sshPrivateKey?: string;
  readonly knownHosts?: string;
}

export type FetchResult =
  | { readonly ok: true; readonly revision: string; readonly dir: string; readonly pathDir: string }
  | { readonly ok: false; readonly reason: 'InvalidSource' | 'FetchFailed' | 'RevisionNotFound' | 'PathNotFound'; readonly message: string };
