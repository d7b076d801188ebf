// tcpdump writing a pcap file in a namespace, stopped only once it has written every packet the kernel gave it.

import { ChildProcess, spawn } from 'node:child_process';
import { waitFor } from '../../daemon/helpers/daemon-lab';

/**
 * The ring tcpdump asks for, in KiB. Immediate mode makes libpcap use TPACKET_V2, whose ring
 * holds fixed frames sized for the interface's largest (GSO) packet, 64 KiB on a veth bridge:
 * tcpdump's default 2 MiB ring is 32 frames, and a busy machine that kept tcpdump off the CPU
 * while three daemons connected overflowed it (CI: the kernel dropped frames, and the capture
 * could never be whole). 64 MiB is a thousand frames, more than a lab test's mesh traffic.
 */
export const RING_KIB = 65_536;

export interface CaptureOptions {
  readonly namespace: string;
  readonly iface: string;
  readonly file: string;
  /** A pcap filter expression. */
  readonly filter: string;
  /** Defaults to RING_KIB. */
  readonly ringKib?: number;
}

export interface Capture {
  readonly process: ChildProcess;
  stderr: string;
}

/**
 * Starts tcpdump; resolves once it listens. Immediate mode: without it tcpdump reads the
 * kernel's ring a block at a time and loses the last block at exit.
 */
export async function startCapture(options: CaptureOptions): Promise<Capture> {
  const process = spawn('ip', ['netns', 'exec', options.namespace, 'tcpdump', '-i', options.iface,
    '--immediate-mode', '-B', String(options.ringKib ?? RING_KIB), '-U', '-s', '0', '-w', options.file, options.filter],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  const capture: Capture = { process, stderr: '' };
  await new Promise<void>((resolve, reject) => {
    process.stderr?.on('data', (chunk: Buffer) => {
      capture.stderr += chunk.toString();
      if (capture.stderr.includes('listening on')) resolve();
    });
    process.once('exit', (code) => reject(new Error(`tcpdump exited ${code} before listening: ${capture.stderr}`)));
  });
  return capture;
}

export interface CaptureCounts {
  /** Packets tcpdump wrote to the file. */
  readonly captured: number;
  /** Packets the kernel passed through the filter, dropped ones included (PACKET_STATISTICS adds them). */
  readonly received: number;
  /** Packets the kernel dropped because the ring was full. */
  readonly dropped: number;
}

/** tcpdump's counters in `text` (what it prints on SIGUSR1 and at exit), or undefined while a line is missing. */
export function parseCaptureCounts(text: string): CaptureCounts | undefined {
  const captured = /(\d+) packets? captured/.exec(text);
  const received = /(\d+) packets? received by filter/.exec(text);
  const dropped = /(\d+) packets? dropped by kernel/.exec(text);
  return captured && received && dropped ? { captured: Number(captured[1]), received: Number(received[1]), dropped: Number(dropped[1]) } : undefined;
}

/**
 * Whether tcpdump is done with what the kernel gave it: every packet received was written.
 * A drop is an error, not a reason to wait: a dropped packet never arrives, so waiting for
 * captured == received (this helper's first form) could only time out.
 */
export function captureSettled(counts: CaptureCounts): boolean {
  if (counts.dropped > 0) {
    throw new Error(`the kernel dropped ${counts.dropped} of ${counts.received} packets before tcpdump read them: the capture is incomplete (a bigger ring: RING_KIB)`);
  }
  return counts.captured === counts.received;
}

/** tcpdump's counters (SIGUSR1 makes it print them and go on). */
async function captureCounts(capture: Capture): Promise<CaptureCounts | undefined> {
  const before = capture.stderr.length;
  capture.process.kill('SIGUSR1');
  return waitFor('tcpdump\'s counters', () => parseCaptureCounts(capture.stderr.slice(before)), 5000);
}

function running(process: ChildProcess): boolean {
  return process.exitCode === null && process.signalCode === null;
}

/** Stops tcpdump once it has written every packet the kernel gave it (the traffic must be over by then); throws on a drop. */
export async function stopCapture(capture: Capture): Promise<void> {
  if (!running(capture.process)) return;
  let last: CaptureCounts | undefined;
  try {
    await waitFor('tcpdump to write every packet it received', async () => {
      last = await captureCounts(capture);
      return last && captureSettled(last) ? true : undefined;
    }, 10_000, 100);
  } catch (error) {
    // A timeout says where the counts stood, so a failure on another machine can be read from its log.
    if (last !== undefined && last.dropped === 0) throw new Error(`${(error as Error).message}: tcpdump wrote ${last.captured} of the ${last.received} packets it received`);
    throw error;
  } finally {
    await endCapture(capture);
  }
}

/** Ends tcpdump whatever state it is in (SIGINT, then SIGKILL): a child left running keeps jest from exiting. */
export async function endCapture(capture: Capture): Promise<void> {
  const { process } = capture;
  if (!running(process)) return;
  const exited = new Promise((resolve) => process.once('exit', resolve));
  process.kill('SIGINT');
  const killer = setTimeout(() => process.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
}
