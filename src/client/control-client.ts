// The client side of the control socket (for the CLI, the lab and the soak): connect, send one request, wait for its reply (with a timeout).

import { lstatSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import {
  CommandArgs, CommandName, ControlRequest, DEFAULT_MAX_REPLY_BYTES, decodeReply, encodeRequest,
} from '../protocol/control';
import { ControlLineReader } from '../protocol/control-line-reader';

/** What a control command needs: one call, answered by the daemon's result or a thrown ControlCallError. */
export interface ControlTransport {
  call<C extends CommandName>(command: C, args: CommandArgs[C], timeoutMs: number): Promise<unknown>;
}

export type ControlCallErrorCode =
  /** No daemon: no socket file, or nobody listens on it. */
  | 'E_DAEMON_NOT_RUNNING'
  | 'E_CONTROL_PERMISSION'
  | 'E_CONTROL_TIMEOUT'
  /** The daemon closed the connection without answering. */
  | 'E_CONTROL_CLOSED'
  /** The daemon's reply broke the protocol (another version?). */
  | 'E_CONTROL_BAD_REPLY'
  | 'E_CONTROL_CONNECT';

/**
 * A call that failed. `code` is one of ControlCallErrorCode when the call never
 * got an answer, or the daemon's own error code (E_CONTROL_BAD_FIELD, E_NOT_LEADER ...).
 */
export class ControlCallError extends Error {
  constructor(readonly code: string, message: string, readonly field?: string) {
    super(message);
    this.name = 'ControlCallError';
  }

  /** True when the daemon answered with an error (as opposed to not answering at all). */
  get fromDaemon(): boolean {
    return !['E_DAEMON_NOT_RUNNING', 'E_CONTROL_PERMISSION', 'E_CONTROL_TIMEOUT', 'E_CONTROL_CLOSED',
      'E_CONTROL_BAD_REPLY', 'E_CONTROL_CONNECT'].includes(this.code);
  }
}

function isSocketFile(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return true;
  }
}

function connectError(socketPath: string, err: NodeJS.ErrnoException): ControlCallError {
  switch (err.code) {
    case 'ENOENT':
      return new ControlCallError('E_DAEMON_NOT_RUNNING',
        `floatipd is not running on this node (no control socket at ${socketPath})`);
    case 'ECONNREFUSED':
      // Linux refuses a connection to a path that is not a socket at all: name that mistake.
      if (!isSocketFile(socketPath)) return connectError(socketPath, { ...err, code: 'ENOTSOCK' });
      return new ControlCallError('E_DAEMON_NOT_RUNNING',
        `floatipd is not running on this node (nothing listens on the control socket ${socketPath})`);
    case 'EACCES':
    case 'EPERM':
      return new ControlCallError('E_CONTROL_PERMISSION',
        `permission denied on the control socket ${socketPath}: run floatip as root`);
    case 'ENOTSOCK':
      return new ControlCallError('E_CONTROL_CONNECT',
        `${socketPath} is not a unix socket: give the daemon's control socket with --socket or FLOATIP_SOCKET`);
    default:
      return new ControlCallError('E_CONTROL_CONNECT', `cannot connect to the control socket ${socketPath}: ${err.message}`);
  }
}

/** Talks to floatipd over its unix socket: one connection per call, so calls never mix replies. */
export class UnixControlClient implements ControlTransport {
  private nextId = 1;

  constructor(readonly socketPath: string, private readonly maxReplyBytes: number = DEFAULT_MAX_REPLY_BYTES) {}

  call<C extends CommandName>(command: C, args: CommandArgs[C], timeoutMs: number): Promise<unknown> {
    const id = this.nextId++;
    // Encoding checks the request against the command table before anything is sent.
    const line = encodeRequest({ id, command, args } as ControlRequest);
    return new Promise((resolve, reject) => {
      const reader = new ControlLineReader(this.maxReplyBytes);
      let connected = false;
      let settled = false;
      const socket: Socket = connect(this.socketPath);
      const finish = (error: ControlCallError | undefined, result?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (error) reject(error);
        else resolve(result);
      };
      const timer = setTimeout(() => finish(new ControlCallError('E_CONTROL_TIMEOUT',
        `floatipd did not answer '${command}' within ${(timeoutMs / 1000).toFixed(1)} s: it may be busy or stuck; `
        + 'check its log (journalctl -u floatipd)')), timeoutMs);
      socket.on('connect', () => {
        connected = true;
        socket.write(line);
      });
      socket.on('data', (chunk: Buffer) => {
        for (const item of reader.push(chunk)) {
          if (item.kind === 'error') {
            finish(new ControlCallError('E_CONTROL_BAD_REPLY', `floatipd's reply could not be read: ${item.error.message}`));
            return;
          }
          const decoded = decodeReply(item.text);
          if (!decoded.ok) {
            finish(new ControlCallError('E_CONTROL_BAD_REPLY', `${decoded.error.message} (are floatip and floatipd the same version?)`));
            return;
          }
          const reply = decoded.reply;
          if (reply.ok && reply.id !== id) continue;
          if (reply.ok) finish(undefined, reply.result);
          else finish(new ControlCallError(reply.error.code, reply.error.message, reply.error.field));
          return;
        }
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        finish(connected
          ? new ControlCallError('E_CONTROL_CLOSED', `the connection to floatipd failed: ${err.message}`)
          : connectError(this.socketPath, err));
      });
      socket.on('close', () => {
        finish(new ControlCallError('E_CONTROL_CLOSED', `floatipd closed the connection without answering '${command}': check its log`));
      });
    });
  }
}
