// tcpdump in a lab namespace, read back as timed frames, and the announcements (gratuitous ARP, unsolicited NA) among them.
//
// tcpdump is the independent decoder here: the daemon builds its frames with our own
// codecs, so judging them with the same codecs would prove little.

import { ChildProcess, spawn } from 'node:child_process';

/** One captured frame: when (ms since the epoch), the Ethernet addresses, and tcpdump's text for the rest. */
export interface CapturedFrame {
  readonly at: number;
  readonly sourceMac: string;
  readonly destinationMac: string;
  readonly text: string;
}

export interface Capture {
  /** Stops tcpdump (after letting the last frames reach it) and returns every frame it printed. */
  stop(): Promise<CapturedFrame[]>;
}

const running = new Set<ChildProcess>();

/** `-tt`: epoch seconds, comparable with performance.timeOrigin + performance.now(). */
const FRAME_LINE = /^(\d+\.\d+) ([0-9a-f]{2}(?::[0-9a-f]{2}){5}) > ([0-9a-f]{2}(?::[0-9a-f]{2}){5}), (.*)$/;

function parseFrames(output: string): CapturedFrame[] {
  // -vv prints some frames over several lines; continuation lines are indented.
  const records = output.split('\n').filter((l) => l.trim() !== '').reduce<string[]>((all, line) => {
    if (/^\s/.test(line) && all.length > 0) all[all.length - 1] += ` ${line.trim()}`;
    else all.push(line);
    return all;
  }, []);
  return records.flatMap((record) => {
    const match = FRAME_LINE.exec(record);
    return match ? [{ at: Number(match[1]) * 1000, sourceMac: match[2], destinationMac: match[3], text: match[4] }] : [];
  });
}

/** Starts tcpdump on `iface` in `namespace` with a capture filter; resolves once it listens. */
export async function startCapture(namespace: string, iface: string, filter: string): Promise<Capture> {
  const child = spawn('ip', ['netns', 'exec', namespace, 'tcpdump', '-l', '-n', '-e', '-tt', '-vv', '-i', iface, filter],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  await new Promise<void>((resolve, reject) => {
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
      if (errors.includes('listening on')) resolve();
    });
    child.once('exit', () => reject(new Error(`tcpdump in ${namespace} exited before listening: ${errors}`)));
  });
  return {
    stop: () => new Promise<CapturedFrame[]>((resolve) => {
      setTimeout(() => {
        child.once('exit', () => {
          running.delete(child);
          resolve(parseFrames(output));
        });
        child.kill('SIGINT');
      }, 200);
    }),
  };
}

/** Kills every tcpdump still running (afterAll, after a failed test). */
export function stopAllCaptures(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Gratuitous ARP requests for `address`: who-has ADDRESS tell ADDRESS. */
export function garpRequests(frames: readonly CapturedFrame[], address: string): CapturedFrame[] {
  const pattern = new RegExp(`Request who-has ${escaped(address)} (?:\\([0-9a-f:]+\\) )?tell ${escaped(address)},`);
  return frames.filter((f) => pattern.test(f.text));
}

/** ARP replies that say `address` is at some MAC, with that MAC. */
export function arpReplies(frames: readonly CapturedFrame[], address: string): Array<CapturedFrame & { readonly isAt: string }> {
  const pattern = new RegExp(`Reply ${escaped(address)} is-at ([0-9a-f:]{17})`);
  return frames.flatMap((f) => {
    const match = pattern.exec(f.text);
    return match ? [{ ...f, isAt: match[1] }] : [];
  });
}

/** Neighbour Advertisements for `address` with the Override flag (unsolicited ones carry it, as a takeover needs). */
export function overrideAdvertisements(frames: readonly CapturedFrame[], address: string): CapturedFrame[] {
  const pattern = new RegExp(`neighbor advertisement, length \\d+, tgt is ${escaped(address)}(?:,|\\s).*Flags \\[[^\\]]*override`);
  return frames.filter((f) => pattern.test(f.text));
}
