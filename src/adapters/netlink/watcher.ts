// The notification watcher: a small child process that owns the multicast netlink socket.
//
// Why a child: netlink 0.3.0 aborts the whole process when a socket's receive
// buffer overflows (its poll handler throws a C++ exception on EPOLLERR), and a
// burst of thousands of notifications overflows any buffer while the event loop
// is busy. The child does nothing but read and forward, so it rarely falls
// behind; when it does, only the child dies. The parent sees the exit, starts a
// new child and re-reads the kernel's state (a resync), which is exactly what
// ENOBUFS calls for. The parent's own request socket joins no group, so it
// cannot overflow.

import { ChildProcess, spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { parseMessages, NetlinkMessage } from 'netlink';
import { CancelTimer, Clock, systemClock } from '../clock';

const RTNLGRP_LINK = 1;
const RTNLGRP_IPV4_IFADDR = 5;
const RTNLGRP_IPV6_IFADDR = 9;

/**
 * The child's whole program. Frames on fd 3: u32 length (little endian) then one
 * datagram; a zero-length frame says the groups are joined. It exits when its
 * stdin closes (the parent died) and on any socket error (lost notifications).
 */
const CHILD_SOURCE = `
const net = require('net');
const [netlinkPath, bufferBytes, groups] = process.argv.slice(1);
const { RawNetlinkSocket } = require(netlinkPath);
const out = new net.Socket({ fd: 3, readable: false, writable: true });
out.on('error', () => process.exit(4));
const frame = (data) => { const h = Buffer.alloc(4); h.writeUInt32LE(data.length, 0); out.write(h); if (data.length) out.write(data); };
const socket = new RawNetlinkSocket(0, { recvBufferSize: Number(bufferBytes), sendBufferSize: 0 });
socket.on('error', () => process.exit(3));
socket.on('message', (data, info) => { try { if (info.port === 0) frame(data); } catch { process.exit(5); } });
for (const group of groups.split(',')) socket.addMembership(Number(group));
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
frame(Buffer.alloc(0));
`;

export interface WatcherOptions {
  /** SO_RCVBUF of the child's socket. @default 4 MiB */
  readonly receiveBufferBytes?: number;
  /** Called with each notification the kernel multicast. */
  readonly onMessages: (messages: NetlinkMessage[]) => void;
  /** Called when a child has joined its groups (first start and every restart). */
  readonly onReady: (restarted: boolean) => void;
  /** Called when the child died: notifications may have been lost until the next onReady. */
  readonly onLost: (reason: string) => void;
  /** Waits out the back-off between restarts. @default systemClock() */
  readonly clock?: Clock;
}

export class NotificationWatcher {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  private recentFailures = 0;
  private cancelRestart: CancelTimer | undefined;

  constructor(private readonly options: WatcherOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get restartCount(): number {
    return this.restarts;
  }

  /** Starts the child and resolves once it listens. */
  start(): Promise<void> {
    this.stopping = false;
    return new Promise((resolve, reject) => this.launch(false, resolve, reject));
  }

  stop(): void {
    this.stopping = true;
    this.cancelRestart?.();
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      child.stdin?.end();
      child.kill('SIGTERM');
    }
  }

  private launch(restarted: boolean, resolve?: () => void, reject?: (error: Error) => void): void {
    const netlinkPath = require.resolve('netlink');
    const bufferBytes = String(this.options.receiveBufferBytes ?? 4 * 1024 * 1024);
    const groups = [RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR].join(',');
    const child = spawn(process.execPath, ['-e', CHILD_SOURCE, netlinkPath, bufferBytes, groups], {
      stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let ready = false;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2000); });
    const frames = child.stdio[3] as Readable;
    let buffered: Buffer = Buffer.alloc(0);
    frames.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const length = buffered.readUInt32LE(0);
        if (buffered.length < 4 + length) break;
        const datagram = buffered.subarray(4, 4 + length);
        buffered = buffered.subarray(4 + length);
        if (length === 0) {
          ready = true;
          this.recentFailures = 0;
          this.options.onReady(restarted);
          resolve?.();
          continue;
        }
        let messages: NetlinkMessage[];
        try {
          messages = parseMessages(Buffer.from(datagram));
        } catch {
          continue; // a malformed datagram cannot be applied; the kernel never sends one
        }
        this.options.onMessages(messages);
      }
    });
    child.on('error', (error) => {
      if (!ready) reject?.(error);
    });
    child.on('exit', (code, signal) => {
      if (this.child !== child || this.stopping) return;
      this.child = undefined;
      const reason = `notification watcher exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`;
      if (!ready && reject) {
        reject(new Error(`${reason}; is this Linux with rtnetlink, and may this user open netlink sockets?`));
        return;
      }
      this.options.onLost(reason);
      this.restarts++;
      // Back off only when children die again and again; the first restart is immediate.
      const delay = Math.min(1000, this.recentFailures * 50);
      this.recentFailures++;
      this.cancelRestart = (this.options.clock ?? systemClock()).schedule(delay, () => {
        if (!this.stopping) this.launch(true);
      });
    });
  }
}
