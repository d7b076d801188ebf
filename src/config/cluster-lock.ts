// The `cluster.cluster_lock` value: which lock decides quorum when majority alone cannot (CTDB's cluster lock).

/**
 * - `fcntl`: an fcntl lock on a file of a cluster file system (CTDB's plain `/path` form).
 * - `helper`: a mutex helper program that holds the lock while it runs (CTDB's `!helper args`).
 * - `etcd`: a lease on a key in etcd.
 * Only the form is checked here; reaching the lock is the lock adapter's job.
 */
export type ClusterLock =
  | { readonly kind: 'fcntl'; readonly path: string }
  | { readonly kind: 'helper'; readonly command: string; readonly args: readonly string[] }
  | { readonly kind: 'etcd'; readonly endpoint: string; readonly key: string };

type LockParsed = { ok: true; value: ClusterLock } | { ok: false; error: string };

const FORMS = '"fcntl:/path", "/path" (as in CTDB), "!/path/to/helper ARGS" or "etcd:http://HOST:PORT/KEY"';

function parseEtcd(text: string, rest: string): LockParsed {
  let url: URL;
  try {
    url = new URL(rest);
  } catch {
    return { ok: false, error: `${JSON.stringify(text)}: "${rest}" is not a URL; write e.g. "etcd:http://192.0.2.10:2379/floatip/lock"` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, error: `${JSON.stringify(text)}: the etcd URL must start with http:// or https://` };
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    return { ok: false, error: `${JSON.stringify(text)}: the etcd URL takes no user, password, query or fragment: write http://HOST:PORT/KEY` };
  }
  let key: string;
  try {
    key = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
  } catch {
    // URL keeps a malformed %-escape as written; decoding it throws (found by test/unit/fuzz).
    return { ok: false, error: `${JSON.stringify(text)}: the key has a malformed %-escape; write % as %25, or leave escapes out of the key` };
  }
  if (key === '') {
    return { ok: false, error: `${JSON.stringify(text)}: name the lock key after the host, e.g. "etcd:http://192.0.2.10:2379/floatip/lock"` };
  }
  return { ok: true, value: { kind: 'etcd', endpoint: `${url.protocol}//${url.host}`, key } };
}

export function parseClusterLock(text: string): LockParsed {
  const trimmed = text.trim();
  if (trimmed.startsWith('!')) {
    const [command, ...args] = trimmed.slice(1).trim().split(/\s+/);
    if (!command || !command.startsWith('/')) {
      return { ok: false, error: `${JSON.stringify(text)}: the helper must be an absolute path, e.g. "!/usr/libexec/floatip/lock-helper ARGS"` };
    }
    return { ok: true, value: { kind: 'helper', command, args } };
  }
  if (trimmed.startsWith('etcd:')) return parseEtcd(text, trimmed.slice('etcd:'.length));
  const path = trimmed.startsWith('fcntl:') ? trimmed.slice('fcntl:'.length) : trimmed;
  if (path.startsWith('/') && !/\s/.test(path)) return { ok: true, value: { kind: 'fcntl', path } };
  if (trimmed.startsWith('fcntl:')) {
    return { ok: false, error: `${JSON.stringify(text)}: the lock file must be an absolute path without spaces, e.g. "fcntl:/clusterfs/.floatip/lock"` };
  }
  return { ok: false, error: `${JSON.stringify(text)} is not a cluster lock: use ${FORMS}` };
}

export function formatClusterLock(lock: ClusterLock): string {
  switch (lock.kind) {
    case 'fcntl': return `fcntl:${lock.path}`;
    case 'helper': return `!${[lock.command, ...lock.args].join(' ')}`;
    case 'etcd': return `etcd:${lock.endpoint}/${lock.key}`;
  }
}
