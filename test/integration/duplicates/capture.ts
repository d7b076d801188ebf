// A live tcpdump of ARP and ND in a lab namespace: frames as they arrive, read while the capture runs.

import { ChildProcess, spawn } from 'node:child_process';

export interface CapturedFrame {
  /** Seconds since the Unix epoch, as tcpdump -tt prints it. */
  readonly at: number;
  readonly sourceMac: string;
  /** The rest of tcpdump's line. */
  readonly text: string;
}

export interface LiveCapture {
  frames(): readonly CapturedFrame[];
  stop(): void;
}

/** tcpdump -e -n -tt on `iface` in `namespace` for ARP and ICMPv6; resolves once it listens. */
export async function captureNeighbourFrames(namespace: string, iface: string): Promise<LiveCapture> {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', namespace, 'tcpdump', '-e', '-n', '-tt', '-l', '-i', iface, 'arp or icmp6'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const frames: CapturedFrame[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const match = /^(\d+\.\d+) ([0-9a-f:]{17}) > (.*)$/.exec(line.trim());
      if (match) frames.push({ at: Number(match[1]), sourceMac: match[2], text: match[3] });
    }
  });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (err.includes('listening on')) resolve();
    });
    child.once('exit', () => reject(new Error(`tcpdump in ${namespace} exited: ${err}`)));
  });
  return {
    frames: () => frames,
    stop: () => { child.kill('SIGKILL'); },
  };
}
