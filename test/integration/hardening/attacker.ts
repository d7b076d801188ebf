// A hostile mesh client run inside a lab node's namespace: one attack on a live floatipd's mesh port, reported as JSON.
//
// Run with the .ts hook (spawnTsInNamespace): argv = ATTACK FROM TO PORT [KEYHEX]. Prints
// one line {attack, established, closed, ...}. Attacks: wrong-key (a full handshake under
// another key), steal (the right key, claiming node 1 from node 0's address), oversized
// (a header announcing 16 MiB), truncated (half a HELLO, then end of stream), garbage (an
// HTTP request), flood (300 connections at once, each saying nothing or garbage), replay
// (KEYHEX is then a file: the bytes a real node sent on an earlier connection, sent again
// on a new one from the same address).

import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { PeerSession } from '../../../src/protocol/frame-session';

const [attack, from, to, portText, keyHex] = process.argv.slice(1);
const port = Number(portText);
const mac = (key: Uint8Array, data: Uint8Array): Uint8Array => new Uint8Array(createHmac('sha256', key).update(data).digest());

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: to, port, localAddress: from });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when the daemon closes the socket (true) or after `ms` (false). */
function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => { clearTimeout(timer); resolve(true); });
    socket.on('error', () => undefined);
    // A paused socket never reads the peer's end of stream, so it would never close.
    socket.resume();
  });
}

async function handshake(key: Uint8Array, claim: number, expected: number): Promise<{ established: boolean; closed: boolean }> {
  const socket = await open();
  const session = new PeerSession({
    localPnn: claim, role: 'initiator', clusterKey: key, mac, nonce: new Uint8Array(randomBytes(32)),
    checkPeer: (claimed) => (claimed === expected ? { ok: true } : { ok: false, reason: 'not the node we dialled' }),
  });
  let established = false;
  socket.on('data', (chunk: Buffer) => {
    const out = session.receive(chunk);
    for (const frame of out.send) socket.write(frame);
    if (out.events.some((e) => e.kind === 'established')) established = true;
  });
  socket.write(session.start());
  const closed = await closedWithin(socket, 5000);
  socket.destroy();
  return { established, closed };
}

async function main(): Promise<Record<string, unknown>> {
  switch (attack) {
    case 'wrong-key': return handshake(new Uint8Array(randomBytes(32)), 0, 2);
    case 'steal': return handshake(Buffer.from(keyHex, 'hex'), 1, 2);
    case 'oversized':
    case 'truncated':
    case 'garbage': {
      const socket = await open();
      if (attack === 'oversized') socket.write(Buffer.from([0x01, 0x10, 0x00, 0x00, 0x46, 0x50, 0x01, 0x10, 0, 0, 0, 0, 0, 0, 0, 2]));
      if (attack === 'garbage') socket.write('GET / HTTP/1.0\r\n\r\n');
      if (attack === 'truncated') {
        const session = new PeerSession({
          localPnn: 0, role: 'initiator', clusterKey: new Uint8Array(32), mac, nonce: new Uint8Array(randomBytes(32)), checkPeer: () => ({ ok: true }),
        });
        socket.end(Buffer.from(session.start()).subarray(0, 20));
      }
      const closed = await closedWithin(socket, 5000);
      socket.destroy();
      return { established: false, closed };
    }
    case 'replay': {
      const recorded = readFileSync(keyHex);
      const socket = await open();
      socket.write(recorded);
      const closed = await closedWithin(socket, 5000);
      socket.destroy();
      return { closed, replayedBytes: recorded.length };
    }
    case 'flood': {
      const results = await Promise.allSettled(Array.from({ length: 300 }, async (_, i) => {
        const socket = await open();
        if (i % 2 === 1) socket.write(randomBytes(64));
        const closed = await closedWithin(socket, 8000);
        socket.destroy();
        return closed;
      }));
      const closed = results.filter((r) => r.status === 'fulfilled' && r.value).length;
      const refused = results.filter((r) => r.status === 'rejected').length;
      return { established: false, closed: closed + refused === results.length, attempts: results.length, refused };
    }
    default: throw new Error(`unknown attack ${attack}`);
  }
}

main().then((result) => {
  process.stdout.write(`${JSON.stringify({ attack, ...result })}\n`);
  process.exit(0);
}, (error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
