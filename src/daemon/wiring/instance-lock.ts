// One floatipd per network namespace: a lock held as an abstract unix socket, taken before anything touches the kernel.
//
// Why per network namespace: what a floatipd owns is kernel state of its namespace (the
// addresses tagged as floatip's, its mesh port). A second floatipd there, even with
// another configuration or control socket, would remove the first one's addresses as
// "leftovers" at its start. An abstract socket name lives in the network namespace and
// belongs to the process that bound it: the kernel frees it when that process dies, so a
// crash never leaves a stale lock behind, and lab nodes (one namespace each) never collide.
// The holder answers every connection with one line naming itself, for the refusal message.

import { connect, createServer, Server } from 'node:net';

/** The lock's name: a leading NUL makes it an abstract socket (Linux), never a file. */
export const INSTANCE_LOCK_NAME = '\0floatipd/instance';

/** How long the refused start waits to hear who holds the lock; it is refused either way. */
const HOLDER_ANSWER_MS = 1000;

/** A floatipd already runs in this network namespace. */
export class InstanceLockError extends Error {
  readonly code = 'E_ALREADY_RUNNING';

  constructor(message: string) {
    super(message);
    this.name = 'InstanceLockError';
  }
}

/** Who holds the lock, as the holder tells it. */
export interface InstanceHolder {
  readonly pid: number;
  readonly controlSocket: string;
}

export interface InstanceLock {
  /** Lets the next floatipd start (also done by the kernel when this process ends). */
  release(): Promise<void>;
}

/** Takes the lock, or throws E_ALREADY_RUNNING naming the floatipd that holds it. */
export async function takeInstanceLock(self: InstanceHolder, name = INSTANCE_LOCK_NAME): Promise<InstanceLock> {
  const answer = `${JSON.stringify(self)}\n`;
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end(answer, () => socket.destroy());
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(name, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const holder = await askHolder(name);
    const who = holder ? `pid ${holder.pid}, control socket ${holder.controlSocket}` : 'it did not say who it is';
    throw new InstanceLockError(`another floatipd already runs in this network namespace (${who}): `
      + 'stop it first (systemctl stop floatipd); nothing was touched');
  }
  server.on('error', () => undefined);
  // The lock must not keep a finished daemon's process alive.
  server.unref();
  return { release: () => close(server) };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function askHolder(name: string): Promise<InstanceHolder | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(name);
    const done = (holder: InstanceHolder | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(holder);
    };
    const timer = setTimeout(() => done(undefined), HOLDER_ANSWER_MS);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => { text += chunk; });
    socket.on('error', () => done(undefined));
    socket.on('end', () => {
      try {
        const parsed = JSON.parse(text) as Partial<InstanceHolder>;
        done(typeof parsed.pid === 'number' && typeof parsed.controlSocket === 'string'
          ? { pid: parsed.pid, controlSocket: parsed.controlSocket } : undefined);
      } catch {
        done(undefined);
      }
    });
  });
}
