// The capture helper on a real ring: a capture that lost packets says so at once, and a whole one stops cleanly.
//
// The lab-capture test once waited 10 s for tcpdump's "captured" to reach "received by filter"
// after the kernel had dropped frames; it could never happen, and the failure left tcpdump
// running, which kept jest from exiting. Here tcpdump is stopped (SIGSTOP) while datagrams
// arrive, so its smallest ring overflows for certain.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipIn, namespacesStartingWith, run } from '../helpers/netns-child';
import { Capture, endCapture, startCapture, stopCapture } from './helpers/capture';

jest.setTimeout(60_000);

// Datagrams go from SENDER to CAPTURE over a veth pair, and tcpdump listens on CAPTURE's end,
// where every packet is incoming (on loopback libpcap also sees, and then skips, each outgoing copy).
const SENDER = 'fxd-tx';
const CAPTURE = 'fxd-rx';
const TO = '198.51.100.2';

function cleanup(): void {
  for (const ns of namespacesStartingWith('fxd-')) run('ip', ['netns', 'del', ns]);
}

/** `count` UDP datagrams of 1000 bytes from SENDER to TO:9; resolves when the sender exits. */
function sendDatagrams(count: number): Promise<void> {
  const program = `const s = require('dgram').createSocket('udp4'); const b = Buffer.alloc(1000); let n = 0;
    const next = () => { if (n++ === ${count}) return s.close(); s.send(b, 9, '${TO}', next); }; next();`;
  const child = spawn('ip', ['netns', 'exec', SENDER, process.execPath, '-e', program], { stdio: 'ignore' });
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sender exited ${code}`)))));
}

/** The packet records in a classic pcap file (24-byte file header, 16-byte record headers). */
function pcapRecords(file: string): number {
  const bytes = readFileSync(file);
  let records = 0;
  for (let at = 24; at + 16 <= bytes.length; at += 16 + bytes.readUInt32LE(at + 8)) records++;
  return records;
}

describe('tcpdump capture helper', () => {
  let root: string;
  let capture: Capture | undefined;

  beforeAll(() => {
    cleanup();
    run('ip', ['netns', 'add', SENDER]);
    run('ip', ['netns', 'add', CAPTURE]);
    ipIn(SENDER, 'link', 'add', 'fxd-a', 'type', 'veth', 'peer', 'name', 'fxd-b', 'netns', CAPTURE);
    ipIn(SENDER, 'address', 'add', '198.51.100.1/24', 'dev', 'fxd-a');
    ipIn(CAPTURE, 'address', 'add', `${TO}/24`, 'dev', 'fxd-b');
    ipIn(SENDER, 'link', 'set', 'fxd-a', 'up');
    ipIn(CAPTURE, 'link', 'set', 'fxd-b', 'up');
    root = mkdtempSync(join(tmpdir(), 'fxd-'));
  });

  afterEach(async () => {
    if (capture !== undefined) await endCapture(capture);
    capture = undefined;
  });

  afterAll(() => {
    cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('names the packets the kernel dropped instead of waiting for them', async () => {
    // A 1 KiB request gets libpcap's smallest ring: a frame or two.
    capture = await startCapture({ namespace: CAPTURE, iface: 'fxd-b', file: join(root, 'dropped.pcap'), filter: 'udp port 9', ringKib: 1 });
    capture.process.kill('SIGSTOP');
    await sendDatagrams(2000);
    capture.process.kill('SIGCONT');
    const started = Date.now();
    await expect(stopCapture(capture)).rejects.toThrow(/the kernel dropped \d+ of 2000 packets/);
    // Named on the first count, not after the helper's 10 s wait ran out.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(capture.process.exitCode !== null || capture.process.signalCode !== null).toBe(true);
  });

  it('stops a whole capture once every packet is written', async () => {
    const file = join(root, 'whole.pcap');
    capture = await startCapture({ namespace: CAPTURE, iface: 'fxd-b', file, filter: 'udp port 9' });
    await sendDatagrams(200);
    await stopCapture(capture);
    expect(pcapRecords(file)).toBe(200);
  });
});
