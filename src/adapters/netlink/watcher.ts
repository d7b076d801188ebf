// The notification watcher: the kernel's link and address notifications, read on a thread of our native addon.
//
// Why not the `netlink` package's socket: netlink 0.3.0 aborts the whole process
// when a socket's receive buffer overflows (its poll handler throws a C++ exception
// on EPOLLERR), and a burst of thousands of notifications overflows any buffer
// while the event loop is busy. Why not a child process (as before): it was a
// second Node.js per node (~48 MB resident, a start per node and per restart).
// Our reader (native/netlink_watch.cc) never aborts: its thread hands datagrams to
// this loop through a bounded queue, so a slow loop makes the kernel's buffer fill
// and the kernel report ENOBUFS, never unbounded memory. Lost notifications are
// reported as onLost then onReady(true), so the caller re-reads the kernel's state
// (a resync), as after a dead child before. The parent's request socket joins no
// group, so it cannot overflow.

import { parseMessages, NetlinkMessage } from 'netlink';
import { CancelTimer, Clock, systemClock } from '../clock';
import { nativeAddon, NativeAddonError } from '../packet/native';

const RTNLGRP_LINK = 1;
const RTNLGRP_IPV4_IFADDR = 5;
const RTNLGRP_IPV6_IFADDR = 9;
const GROUPS: readonly number[] = [RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR];

/**
 * What a reader reports: one datagram from the kernel; 'overflow', notifications were lost
 * (ENOBUFS) and the reader reads on; 'failed', any other socket error, after which it reads no more.
 */
export type ReaderEvent =
  | { readonly kind: 'datagram'; readonly data: Buffer }
  | { readonly kind: 'overflow' }
  | { readonly kind: 'failed'; readonly error: Error };

/** A socket joined to the groups, read until stop() (which joins its thread and closes it). */
export interface NotificationReader {
  stop(): void;
}

/** Opens a reader or throws (the socket, its buffer or a group join failed). */
export type OpenReader = (receiveBufferBytes: number, groups: readonly number[], onEvent: (event: ReaderEvent) => void) => NotificationReader;

interface NativeNetlinkWatch {
  readonly portId: number;
  stop(): void;
}
type NativeNetlinkWatchClass = new (receiveBufferBytes: number, groups: readonly number[],
  onEvent: (kind: string, payload?: Buffer | Error) => void) => NativeNetlinkWatch;

/** The native addon's reader (native/netlink_watch.cc). */
export const openNativeReader: OpenReader = (receiveBufferBytes, groups, onEvent) => {
  const NetlinkWatch = (nativeAddon() as unknown as { NetlinkWatch?: NativeNetlinkWatchClass }).NetlinkWatch;
  if (typeof NetlinkWatch !== 'function') {
    throw new NativeAddonError('the native addon has no NetlinkWatch: it is older than this floatip; rebuild it with `npm ci` or `npx node-gyp rebuild`');
  }
  return new NetlinkWatch(receiveBufferBytes, groups, (kind, payload) => {
    if (kind === 'datagram') onEvent({ kind, data: payload as Buffer });
    else if (kind === 'overflow') onEvent({ kind });
    else onEvent({ kind: 'failed', error: payload as Error });
  });
};

export interface WatcherOptions {
  /** SO_RCVBUF of the notification socket. @default 4 MiB */
  readonly receiveBufferBytes?: number;
  /** Called with each notification the kernel multicast. */
  readonly onMessages: (messages: NetlinkMessage[]) => void;
  /** Called when the reader has joined its groups (first start), and again after every loss (restarted = true). */
  readonly onReady: (restarted: boolean) => void;
  /** Called when notifications may have been lost until the next onReady. */
  readonly onLost: (reason: string) => void;
  /** Waits out the back-off between restarts after a socket error. @default systemClock() */
  readonly clock?: Clock;
  /** Opens the socket and its reader thread. @default the native addon's (openNativeReader) */
  readonly openReader?: OpenReader;
}

export class NotificationWatcher {
  private reader: NotificationReader | undefined;
  private stopping = false;
  private restarts = 0;
  private recentFailures = 0;
  private cancelRestart: CancelTimer | undefined;

  constructor(private readonly options: WatcherOptions) {}

  /** The process that reads the notifications (this one, since the reader is a thread), while started. */
  get pid(): number | undefined {
    return this.reader ? process.pid : undefined;
  }

  /** How often notifications were lost and reading went on (overflows, and restarts after socket errors). */
  get restartCount(): number {
    return this.restarts;
  }

  /** Opens the socket and resolves once it has joined its groups. */
  start(): Promise<void> {
    this.stopping = false;
    try {
      this.open();
    } catch (error) {
      return Promise.reject(new Error(`cannot listen for netlink notifications: ${(error as Error).message}; ` +
        'is this Linux with rtnetlink, and may this user open netlink sockets?'));
    }
    this.options.onReady(false);
    return Promise.resolve();
  }

  stop(): void {
    this.stopping = true;
    this.cancelRestart?.();
    this.cancelRestart = undefined;
    const reader = this.reader;
    this.reader = undefined;
    reader?.stop();
  }

  private open(): void {
    const open = this.options.openReader ?? openNativeReader;
    const reader: NotificationReader = open(this.options.receiveBufferBytes ?? 4 * 1024 * 1024, GROUPS, (event) => {
      if (this.reader === reader) this.onEvent(reader, event);
    });
    this.reader = reader;
  }

  private onEvent(reader: NotificationReader, event: ReaderEvent): void {
    switch (event.kind) {
      case 'datagram': {
        // A reader that delivers works: the next failure restarts at once again.
        this.recentFailures = 0;
        let messages: NetlinkMessage[];
        try {
          messages = parseMessages(event.data);
        } catch {
          return; // a malformed datagram cannot be applied; the kernel never sends one
        }
        this.options.onMessages(messages);
        return;
      }
      case 'overflow':
        // The reader reads on: everything after this point arrives, so a re-read now is complete.
        this.restarts++;
        this.options.onLost('notifications were lost: the receive buffer overflowed (ENOBUFS)');
        this.options.onReady(true);
        return;
      case 'failed':
        this.reader = undefined;
        reader.stop();
        this.options.onLost(`the notification socket failed: ${event.error.message}`);
        this.scheduleRestart();
    }
  }

  private scheduleRestart(): void {
    this.restarts++;
    // Back off only when readers fail again and again before delivering anything (opening is
    // instant in-process, so a socket that keeps failing must not spin); the first restart is immediate.
    const delay = Math.min(1000, this.recentFailures * 50);
    this.recentFailures++;
    this.cancelRestart = (this.options.clock ?? systemClock()).schedule(delay, () => {
      this.cancelRestart = undefined;
      if (this.stopping) return;
      try {
        this.open();
      } catch (error) {
        this.options.onLost(`reopening the notification socket failed: ${(error as Error).message}`);
        this.scheduleRestart();
        return;
      }
      this.options.onReady(true);
    });
  }
}
