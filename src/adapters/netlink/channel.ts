// A netlink request channel: bounded requests in flight over the `netlink` package's raw socket.
//
// netlink 0.3.0 terminates the process (a C++ exception in its poll handler) when
// the socket's receive buffer overflows, and also when any JavaScript callback it
// calls throws. So this channel (1) never joins a multicast group: kernel replies
// to our own requests are the only traffic, (2) keeps at most `maxInFlight`
// requests outstanding, so replies and ACKs can never fill the 4 MiB buffer
// (dumps are flow-controlled by the kernel itself), (3) catches everything in the
// callbacks it hands to the package, and (4) always has an `error` listener.
// Sending is synchronous kernel work on our thread, so (5) a TurnBudget spreads a
// long batch of requests over event-loop turns (see turn-budget.ts).

import { constants as osConstants } from 'node:os';
import { RawNetlinkSocket, MessageInfo, parseMessages, formatMessage, parseError, NetlinkMessage } from 'netlink';
import { NetlinkError, channelClosed } from './errors';
import { TurnBudget } from './turn-budget';
import { backgroundClock, CancelTimer, Clock } from '../clock';

const NLM_F_REQUEST = 0x1;
const NLM_F_MULTI = 0x2;
const NLM_F_ACK = 0x4;
const NLM_F_DUMP_INTR = 0x10;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
const NLM_F_DUMP = 0x300;

export interface ChannelOptions {
  /** SO_RCVBUF in bytes (the kernel doubles it, up to net.core.rmem_max). @default 4 MiB */
  readonly receiveBufferBytes?: number;
  /** Requests sent and not yet answered; further ones wait in a queue. @default 64 */
  readonly maxInFlight?: number;
  /** A request without an answer after this long fails with E_NETLINK_TIMEOUT. @default 5000 */
  readonly timeoutMs?: number;
  /**
   * Milliseconds of one event-loop turn that sending requests (the kernel's work on them
   * included) may take before the rest waits for the next turn. @default 5
   */
  readonly sendBudgetMs?: number;
  /**
   * Request timeouts and the send budget's turns. Its timers need not keep the process alive:
   * the socket does while requests are in flight. @default backgroundClock
   */
  readonly clock?: Clock;
}

/** The data messages of one answer; `interrupted` when the kernel flagged a dump inconsistent. */
export interface NetlinkReply {
  readonly messages: NetlinkMessage[];
  readonly interrupted: boolean;
}

interface PendingRequest {
  readonly type: number;
  readonly flags: number;
  readonly payload: Uint8Array[];
  readonly what: string;
  readonly resolve: (reply: NetlinkReply) => void;
  readonly reject: (error: Error) => void;
  seq: number;
  messages: NetlinkMessage[];
  interrupted: boolean;
  cancelTimer?: CancelTimer;
}

function isDump(request: Pick<PendingRequest, 'flags'>): boolean {
  return (request.flags & NLM_F_DUMP) === NLM_F_DUMP;
}

const errnoNames = new Map<number, string>(
  Object.entries(osConstants.errno).map(([name, value]) => [value, name]),
);

/** `EEXIST` for 17: the name the kernel's errno has, for messages and error codes. */
export function errnoName(errno: number): string {
  return errnoNames.get(Math.abs(errno)) ?? `errno ${Math.abs(errno)}`;
}

export class NetlinkChannel {
  private readonly socket: RawNetlinkSocket;
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;
  private readonly inFlight = new Map<number, PendingRequest>();
  private readonly waiting: PendingRequest[] = [];
  private readonly budget: TurnBudget;
  private readonly clock: Clock;
  private nextSeq = 1;
  private closed = false;
  /** Receive errors seen (ENOBUFS and the like); exposed for stats. */
  receiveErrors = 0;

  constructor(protocol: number, options: ChannelOptions = {}) {
    const receiveBufferBytes = options.receiveBufferBytes ?? 4 * 1024 * 1024;
    this.maxInFlight = options.maxInFlight ?? 64;
    this.timeoutMs = options.timeoutMs ?? 5000;
    const clock = options.clock ?? backgroundClock;
    this.clock = clock;
    this.budget = new TurnBudget(options.sendBudgetMs ?? 5, {
      now: () => clock.now(),
      nextTurn: (fn) => clock.nextTurn(() => this.guard(fn)),
    });
    this.socket = new RawNetlinkSocket(protocol, { recvBufferSize: receiveBufferBytes, sendBufferSize: 0 });
    this.socket.on('message', (data: Buffer, info: MessageInfo) => this.guard(() => this.receive(data, info)));
    this.socket.on('error', () => this.guard(() => { this.receiveErrors++; }));
    this.socket.unref();
  }

  /** The netlink port id the kernel addresses its replies (and its notifications about our changes) to. */
  get port(): number {
    return this.socket.address().port;
  }

  get pendingCount(): number {
    return this.inFlight.size + this.waiting.length;
  }

  /**
   * Sends one request and resolves with its answer. Dumps (`dump: true`) end at
   * NLMSG_DONE; other requests carry NLM_F_ACK and end at the kernel's ACK.
   * A kernel error rejects with E_NETLINK_KERNEL and the errno's name.
   */
  request(type: number, payload: Uint8Array[], options: { flags?: number; dump?: boolean; what: string }): Promise<NetlinkReply> {
    if (this.closed) return Promise.reject(channelClosed());
    const flags = NLM_F_REQUEST | NLM_F_ACK | (options.dump ? NLM_F_DUMP : 0) | (options.flags ?? 0);
    return new Promise<NetlinkReply>((resolve, reject) => {
      const request: PendingRequest = {
        type, flags, payload, what: options.what, resolve, reject, seq: 0, messages: [], interrupted: false,
      };
      this.waiting.push(request);
      this.pump();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.inFlight.values(), ...this.waiting];
    this.inFlight.clear();
    this.waiting.length = 0;
    for (const request of all) this.finish(request, channelClosed());
    this.socket.close();
  }

  private pump(): void {
    this.budget.run(
      () => !this.closed && this.inFlight.size < this.maxInFlight && this.nextSendable() >= 0,
      () => this.sendNext(),
      () => this.pump(),
    );
  }

  /**
   * The first waiting request that may go now, or -1. The kernel runs one dump per socket
   * at a time and answers a second with EBUSY (netlink_dump_start), so a dump waits while
   * another is in flight; other requests pass it. Two reads at once (a SIGHUP's interface
   * check and a resync) got EBUSY in the soak, and floatipd exited.
   */
  private nextSendable(): number {
    const dumping = [...this.inFlight.values()].some(isDump);
    return dumping ? this.waiting.findIndex((r) => !isDump(r)) : (this.waiting.length > 0 ? 0 : -1);
  }

  private sendNext(): void {
    const [request] = this.waiting.splice(this.nextSendable(), 1);
    request.seq = this.allocateSeq();
    this.inFlight.set(request.seq, request);
    request.cancelTimer = this.clock.schedule(this.timeoutMs, () => this.guard(() => this.timeOut(request)));
    if (this.inFlight.size === 1) this.socket.ref();
    const bytes = formatMessage({ type: request.type, flags: request.flags, seq: request.seq, port: this.port, data: request.payload });
    this.socket.send(bytes, { port: 0 }, (error) => this.guard(() => {
      if (error) this.settle(request, new NetlinkError('E_NETLINK_KERNEL', `${request.what}: sending failed (${error.code ?? error.message})`, error.code));
    }));
  }

  private allocateSeq(): number {
    for (;;) {
      const seq = this.nextSeq;
      this.nextSeq = this.nextSeq >= 0xffffffff ? 1 : this.nextSeq + 1;
      if (!this.inFlight.has(seq)) return seq;
    }
  }

  private receive(data: Buffer, info: MessageInfo): void {
    if (info.port !== 0) return; // only the kernel answers requests
    let messages: NetlinkMessage[];
    try {
      messages = parseMessages(data);
    } catch {
      this.receiveErrors++;
      return;
    }
    for (const message of messages) {
      const request = this.inFlight.get(message.seq);
      if (!request) continue; // a late answer to a request that timed out
      if (message.flags & NLM_F_DUMP_INTR) request.interrupted = true;
      if (message.type === NLMSG_ERROR) {
        const { errno } = parseError(message.data, message.flags);
        if (errno === 0) this.settle(request);
        else {
          const name = errnoName(errno);
          this.settle(request, new NetlinkError('E_NETLINK_KERNEL', `${request.what}: the kernel refused it (${name})`, name));
        }
      } else if (message.type === NLMSG_DONE) {
        this.settle(request);
      } else {
        request.messages.push(message);
        if (!isDump(request) && !(message.flags & NLM_F_MULTI) && !(request.flags & NLM_F_ACK)) this.settle(request);
      }
    }
  }

  private timeOut(request: PendingRequest): void {
    if (this.inFlight.get(request.seq) !== request) return;
    this.settle(request, new NetlinkError('E_NETLINK_TIMEOUT',
      `${request.what}: no answer from the kernel within ${this.timeoutMs} ms; check \`dmesg\` and retry`));
  }

  private settle(request: PendingRequest, error?: Error): void {
    if (this.inFlight.get(request.seq) !== request) return;
    this.inFlight.delete(request.seq);
    if (this.inFlight.size === 0) this.socket.unref();
    this.finish(request, error);
    this.pump();
  }

  private finish(request: PendingRequest, error?: Error): void {
    request.cancelTimer?.();
    if (error) request.reject(error);
    else request.resolve({ messages: request.messages, interrupted: request.interrupted });
  }

  /** Nothing may escape into the package's native callbacks: an exception there aborts the process. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch {
      this.receiveErrors++;
    }
  }
}
