// The guardian's peer list on its pipe: after a reloadnodes the daemon sends the new list, so a fence notice reaches the nodes that joined and not those that left.
//
// On the daemon -> guardian pipe, beside the tick and goodbye bytes (guardian.ts): GUARDIAN_PEERS,
// then `PNN@ADDRESS` items separated by spaces, then a newline; an empty list is just the two
// bytes. The reader takes these lines out before the watch counts ticks: an address may hold
// the goodbye byte ('b' in 2001:db8::1). Daemon and guardian are always of one release (the
// daemon spawns the guardian from its own installation), so no older guardian reads the line.

import { NoticePeer } from './guardian-notice';

export const GUARDIAN_PEERS = 0x70; // 'p'
const NEWLINE = 0x0a;
/** A line longer than this is no peer list (4096 nodes of IPv6 fit): dropped. */
const MAX_LINE_BYTES = 256 * 1024;

/** `PNN@ADDRESS`, as on the command line (`--notice-peer`) and on the pipe. */
export function parsePeer(text: string): NoticePeer | undefined {
  const match = /^(\d+)@([0-9A-Fa-f.:]+)$/.exec(text);
  if (!match) return undefined;
  const pnn = Number(match[1]);
  return Number.isSafeInteger(pnn) && pnn <= 0xfffffffe ? { pnn, address: match[2] } : undefined;
}

/** The bytes that give the guardian a new peer list. */
export function peersLine(peers: readonly NoticePeer[]): Buffer {
  return Buffer.concat([Buffer.from([GUARDIAN_PEERS]), Buffer.from(peers.map((p) => `${p.pnn}@${p.address}`).join(' ')), Buffer.from([NEWLINE])]);
}

/** Splits the pipe's bytes into peer lists and the rest (ticks, goodbye), across chunk boundaries. */
export class PeersLineReader {
  /** Bytes of a peer line not yet ended, or undefined outside one. */
  private line: number[] | undefined;
  /** Lines that were not a peer list: dropped, counted. */
  badLines = 0;

  input(chunk: Uint8Array): { readonly rest: Uint8Array; readonly lists: NoticePeer[][] } {
    const rest: number[] = [];
    const lists: NoticePeer[][] = [];
    for (const byte of chunk) {
      if (this.line === undefined) {
        if (byte === GUARDIAN_PEERS) this.line = [];
        else rest.push(byte);
      } else if (byte === NEWLINE) {
        const list = this.parse(Buffer.from(this.line).toString('latin1'));
        this.line = undefined;
        if (list === undefined) this.badLines++;
        else lists.push(list);
      } else if (this.line.length < MAX_LINE_BYTES) {
        this.line.push(byte);
      }
    }
    return { rest: Uint8Array.from(rest), lists };
  }

  private parse(text: string): NoticePeer[] | undefined {
    const peers: NoticePeer[] = [];
    for (const item of text.split(' ').filter((t) => t !== '')) {
      const peer = parsePeer(item);
      if (peer === undefined) return undefined;
      peers.push(peer);
    }
    return peers;
  }
}
