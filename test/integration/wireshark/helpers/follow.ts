// The bytes of each TCP stream of a capture, per direction, from tshark's own stream follower (not from our dissector).

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface StreamBytes {
  readonly stream: number;
  /** `ip:port` of the side that opened the connection, and of the other side. */
  readonly client: string;
  readonly server: string;
  readonly fromClient: Buffer;
  readonly fromServer: Buffer;
}

/** `tshark -q -z follow,tcp,raw,N` for every stream N: tshark's TCP reassembly, without any floatip code. */
export async function followStreams(capture: string, streams: readonly number[]): Promise<StreamBytes[]> {
  if (streams.length === 0) return [];
  const args = ['-r', capture, '-q', ...streams.flatMap((n) => ['-z', `follow,tcp,raw,${n}`])];
  const { stdout } = await promisify(execFile)('tshark', args, { maxBuffer: 512 << 20 });
  const out: StreamBytes[] = [];
  for (const block of stdout.split(/^=+$/m)) {
    const filter = /^Filter: tcp\.stream eq (\d+)$/m.exec(block);
    if (filter === null) continue;
    const client = /^Node 0: (.+)$/m.exec(block)?.[1] ?? '';
    const server = /^Node 1: (.+)$/m.exec(block)?.[1] ?? '';
    const fromClient: Buffer[] = [];
    const fromServer: Buffer[] = [];
    for (const line of block.split('\n')) {
      if (/^\t[0-9a-f]+$/.test(line)) fromServer.push(Buffer.from(line.slice(1), 'hex'));
      else if (/^[0-9a-f]+$/.test(line)) fromClient.push(Buffer.from(line, 'hex'));
    }
    out.push({ stream: Number(filter[1]), client, server, fromClient: Buffer.concat(fromClient), fromServer: Buffer.concat(fromServer) });
  }
  return out;
}
