// The control server: floatipd's unix socket (mode 0600) where `floatip` sends newline-JSON requests.

import { Server, Socket, createServer } from 'node:net';
import { chmod } from 'node:fs/promises';
import { DEFAULT_MAX_REPLY_BYTES, DEFAULT_MAX_REQUEST_BYTES, encodeReply, errorReply } from '../../protocol/control';
import { Logger } from '../runtime/logger';
import { DaemonApi } from './api';
import { ControlConnection } from './connection';
import { dispatchLine } from './dispatch';
import { ControlServerError } from './errors';
import { HANDLERS, HandlerTable } from './handlers';
import { prepareSocketPath } from './socket-file';

export interface ControlServerInit {
  /** Path of the unix socket (config `control.socket`). */
  readonly socketPath: string;
  /** Longest request line, bytes; a longer one gets an error reply and is skipped. @default 65536 */
  readonly maxRequestBytes?: number;
  /** Largest reply, bytes; a larger answer becomes an error reply. @default 16 MiB */
  readonly maxReplyBytes?: number;
  /** Clients connected at once; one more gets a busy reply and is closed. @default 32 */
  readonly maxClients?: number;
  /** A client that sends nothing and waits for nothing this long is closed. @default 30000 */
  readonly idleTimeoutMs?: number;
  /** Requests one client may have waiting for replies before reading pauses. @default 16 */
  readonly maxPipelined?: number;
}

export interface ControlServerComponents {
  readonly api: DaemonApi;
  readonly logger: Logger;
  /** The command handlers; the real table unless a test narrows it. */
  readonly handlers?: HandlerTable;
}

/** Only the owner (root) may use the socket: every command can move addresses. */
const SOCKET_MODE = 0o600;

/** A refused client has this long to take its E_CONTROL_BUSY reply before its connection is destroyed. */
const REFUSED_LINGER_MS = 1000;

/**
 * stop() resolves within this, whatever clients do: every socket is destroyed at once, and
 * this only bounds the wait for libuv to report them closed.
 */
export const CONTROL_STOP_BOUND_MS = 1000;

/** Refusals are logged as the first one, then one line with the count per interval: a flood must not flood the log. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

export class ControlServer {
  private server: Server | undefined;
  private readonly connections = new Set<ControlConnection>();
  /**
   * Every socket of this server, served or refused. server.close() waits for all of them,
   * so one it does not know of (a refused client that never closes) would hold a stop forever.
   */
  private readonly sockets = new Set<Socket>();
  /** Refusals not yet logged, and the timer of the next summary line (none: the next refusal is logged at once). */
  private unloggedRefusals = 0;
  private refusalLogTimer: NodeJS.Timeout | undefined;
  private readonly logger: Logger;
  private readonly limits: Required<Omit<ControlServerInit, 'socketPath'>>;

  constructor(private readonly init: ControlServerInit, private readonly components: ControlServerComponents) {
    this.logger = components.logger.child({ component: 'control' });
    this.limits = {
      maxRequestBytes: init.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
      maxReplyBytes: init.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES,
      maxClients: init.maxClients ?? 32,
      idleTimeoutMs: init.idleTimeoutMs ?? 30_000,
      maxPipelined: init.maxPipelined ?? 16,
    };
  }

  get clientCount(): number {
    return this.connections.size;
  }

  /** Clears a stale socket, refuses if another daemon answers, then listens. */
  async start(): Promise<void> {
    const path = this.init.socketPath;
    await prepareSocketPath(path);
    // allowHalfOpen: a client may shut down its side after the request and still get the reply.
    const server = createServer({ allowHalfOpen: true }, (socket) => this.onConnection(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        // Node binds a unix socket inside listen(), synchronously: the umask makes it 0600 from
        // the moment it exists and is put back before anything else can create a file.
        const previousUmask = process.umask(0o177);
        try {
          server.listen(path, () => {
            server.off('error', reject);
            resolve();
          });
        } finally {
          process.umask(previousUmask);
        }
      });
    } catch (err) {
      throw new ControlServerError('E_CONTROL_LISTEN', `cannot listen on the control socket ${path}: ${(err as Error).message}`);
    }
    // For filesystems that ignore the umask on sockets.
    await chmod(path, SOCKET_MODE);
    server.on('error', (err) => this.logger.error({ err: err.message }, 'control socket failed'));
    this.server = server;
    this.logger.info({ socket: path, maxClients: this.limits.maxClients }, 'control socket listening');
  }

  /** Stops listening, closes every client and removes the socket file. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    clearTimeout(this.refusalLogTimer);
    this.logRefusalSummary();
    // Closing the server also unlinks the socket file (libuv does).
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of this.connections) connection.destroy();
    for (const socket of this.sockets) socket.destroy();
    let bound: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => { bound = setTimeout(resolve, CONTROL_STOP_BOUND_MS); });
    await Promise.race([closed, late]);
    clearTimeout(bound);
    if (this.sockets.size > 0) this.logger.warn({ open: this.sockets.size }, 'control socket closed with client connections still closing');
  }

  private onConnection(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    if (this.connections.size >= this.limits.maxClients) return this.refuse(socket);
    const context = { api: this.components.api, handlers: this.components.handlers ?? HANDLERS, logger: this.logger, maxReplyBytes: this.limits.maxReplyBytes };
    const connection = new ControlConnection(socket, (line) => dispatchLine(line, context), this.limits, this.logger);
    this.connections.add(connection);
    socket.on('close', () => this.connections.delete(connection));
  }

  private logRefusal(): void {
    if (this.refusalLogTimer !== undefined) {
      this.unloggedRefusals++;
      return;
    }
    this.logger.warn({ maxClients: this.limits.maxClients }, 'control client refused: too many clients');
    this.startRefusalInterval();
  }

  private startRefusalInterval(): void {
    this.refusalLogTimer = setTimeout(() => {
      this.refusalLogTimer = undefined;
      if (this.logRefusalSummary()) this.startRefusalInterval();
    }, REFUSAL_LOG_INTERVAL_MS);
    this.refusalLogTimer.unref();
  }

  /** Logs the refusals counted since the last line; false when there were none. */
  private logRefusalSummary(): boolean {
    const refused = this.unloggedRefusals;
    if (refused === 0) return false;
    this.unloggedRefusals = 0;
    this.logger.warn({ refused, maxClients: this.limits.maxClients, intervalMs: REFUSAL_LOG_INTERVAL_MS },
      `control clients refused: ${refused} more in the last ${REFUSAL_LOG_INTERVAL_MS / 1000} s (too many clients)`);
    return true;
  }

  /**
   * Answers E_CONTROL_BUSY and closes the connection for good. Its input is read and dropped,
   * so the client's end of stream closes the socket; REFUSED_LINGER_MS after the reply it is
   * destroyed whatever the client does. (Ending only our side, with nothing reading, kept
   * every refused descriptor open for ever.) Not destroyed at once: a client that writes its
   * request after we answered would get EPIPE instead of reading E_CONTROL_BUSY.
   */
  private refuse(socket: Socket): void {
    this.logRefusal();
    socket.on('error', () => undefined);
    const linger = setTimeout(() => socket.destroy(), REFUSED_LINGER_MS);
    socket.on('close', () => clearTimeout(linger));
    socket.on('end', () => socket.destroy());
    socket.resume();
    socket.end(encodeReply(errorReply(null, {
      code: 'E_CONTROL_BUSY',
      message: `floatipd serves at most ${this.limits.maxClients} control clients at once: try again shortly`,
    })));
  }
}
