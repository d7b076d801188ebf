// The control socket's file: clear a stale one before listening, refuse when a live daemon owns it.
//
// Removing it at stop needs nothing here: libuv unlinks a listening unix socket's file when the server closes.

import { connect } from 'node:net';
import { lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ControlServerError } from './errors';

/** How long to wait for an answer when probing an existing socket. */
const PROBE_TIMEOUT_MS = 1000;

type Probe = 'answers' | 'dead';

/** Connects once: accepted (or queued: a busy daemon) means someone listens. */
function probe(socketPath: string): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const done = (result: Probe): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    // A listener that neither accepts nor refuses within the timeout is alive but stuck: not ours to remove.
    const timer = setTimeout(() => done('answers'), PROBE_TIMEOUT_MS);
    socket.on('connect', () => done('answers'));
    socket.on('error', (err: NodeJS.ErrnoException) => done(err.code === 'EAGAIN' ? 'answers' : 'dead'));
  });
}

/**
 * Makes the socket's directory and clears the path: a socket nobody listens on
 * (left by a crash) is removed; a live one or a non-socket file is refused.
 */
export async function prepareSocketPath(socketPath: string): Promise<void> {
  try {
    await mkdir(dirname(socketPath), { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new ControlServerError('E_CONTROL_SOCKET_PATH',
      `cannot create the directory of the control socket ${socketPath}: ${(err as Error).message}; fix it or set control.socket`);
  }
  let isSocket: boolean;
  try {
    isSocket = (await lstat(socketPath)).isSocket();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new ControlServerError('E_CONTROL_SOCKET_PATH', `cannot inspect ${socketPath}: ${(err as Error).message}`);
  }
  if (!isSocket) {
    throw new ControlServerError('E_CONTROL_SOCKET_PATH',
      `${socketPath} exists and is not a socket: remove it, or set control.socket to another path`);
  }
  if (await probe(socketPath) === 'answers') {
    throw new ControlServerError('E_CONTROL_SOCKET_IN_USE',
      `another floatipd answers on ${socketPath}: stop it first (systemctl stop floatipd), or set control.socket to another path`);
  }
  try {
    await unlink(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ControlServerError('E_CONTROL_SOCKET_PATH', `cannot remove the stale control socket ${socketPath}: ${(err as Error).message}`);
    }
  }
}
