// One control client: split its bytes into lines, answer each in order, close when it is done or idle.

import { Socket } from 'node:net';
import { encodeReply, errorReply } from '../../protocol/control';
import { ControlLineReader, LineResult } from '../../protocol/control-line-reader';
import { Logger } from '../runtime/logger';

export interface ConnectionLimits {
  readonly maxRequestBytes: number;
  readonly idleTimeoutMs: number;
  /** Requests read ahead of their replies; more pause reading (backpressure on a flooding client). */
  readonly maxPipelined: number;
}

/**
 * Replies go out in request order: a client may pipeline several requests on
 * one connection and match replies by id, but never has to.
 */
export class ControlConnection {
  private readonly reader: ControlLineReader;
  private queue: Promise<void> = Promise.resolve();
  private waiting = 0;
  private inputEnded = false;
  private closed = false;
  private drainWaiter: (() => void) | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly answer: (line: string) => Promise<string>,
    private readonly limits: ConnectionLimits,
    private readonly logger: Logger,
  ) {
    this.reader = new ControlLineReader(limits.maxRequestBytes);
    socket.setTimeout(limits.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.accept(this.reader.push(chunk)));
    socket.on('end', () => {
      this.inputEnded = true;
      this.accept(this.reader.end());
      this.endIfDone();
    });
    socket.on('timeout', () => {
      // A request still being answered (a long event run) is not idleness.
      if (this.waiting > 0) return;
      this.logger.debug({ idleTimeoutMs: limits.idleTimeoutMs }, 'control client idle: closing');
      socket.destroy();
    });
    socket.on('error', (err) => this.logger.debug({ err: err.message }, 'control client connection failed'));
    socket.on('close', () => {
      this.closed = true;
      this.drainWaiter?.();
    });
  }

  /** Ends the connection now (the server is stopping); answers under way are dropped. */
  destroy(): void {
    this.socket.destroy();
  }

  private accept(items: readonly LineResult[]): void {
    for (const item of items) {
      this.waiting++;
      this.queue = this.queue
        .then(() => (item.kind === 'line' ? this.answer(item.text) : encodeReply(errorReply(null, item.error))))
        .then((reply) => this.write(reply))
        .finally(() => {
          this.waiting--;
          if (this.waiting < this.limits.maxPipelined && this.socket.isPaused()) this.socket.resume();
          this.endIfDone();
        });
    }
    if (this.waiting >= this.limits.maxPipelined) this.socket.pause();
  }

  private write(text: string): Promise<void> {
    if (this.closed || this.socket.destroyed) return Promise.resolve();
    if (this.socket.write(text)) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainWaiter = () => {
        this.drainWaiter = undefined;
        resolve();
      };
      this.socket.once('drain', this.drainWaiter);
    });
  }

  /** The client closed its side and every reply is out: close ours. */
  private endIfDone(): void {
    if (this.inputEnded && this.waiting === 0 && !this.closed) this.socket.end();
  }
}
