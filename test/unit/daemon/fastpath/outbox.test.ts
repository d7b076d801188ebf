// The fast path's outbox: what one turn posts reaches the other thread as one array, in order, and nothing is lost or sent twice.

import { join } from 'node:path';
import { TcpMeshInit } from '../../../../src/adapters/peer/options';
import { MeshEvent } from '../../../../src/adapters/peer/port';
import { FastPath } from '../../../../src/daemon/fastpath/fast-path';
import { Outbox } from '../../../../src/daemon/fastpath/outbox';

const RECORDING_WORKER = join(__dirname, 'fixtures', 'recording-worker.mjs');

describe('Outbox', () => {
  test('what is added in one turn is posted once, as one array in order; a later turn posts again', async () => {
    const posted: (readonly number[])[] = [];
    const outbox = new Outbox<number>((batch) => posted.push(batch));
    for (let i = 0; i < 340; i++) outbox.add(i);
    expect(posted).toEqual([]);
    await Promise.resolve();
    expect(posted).toEqual([Array.from({ length: 340 }, (_, i) => i)]);
    outbox.add(7);
    await Promise.resolve();
    expect(posted).toEqual([expect.any(Array), [7]]);
  });

  test('flush posts at once and the turn\'s end posts nothing more; clear drops what was queued', async () => {
    const posted: (readonly string[])[] = [];
    const outbox = new Outbox<string>((batch) => posted.push(batch));
    outbox.add('a');
    outbox.flush();
    expect(posted).toEqual([['a']]);
    outbox.add('b');
    outbox.clear();
    await Promise.resolve();
    expect(posted).toEqual([['a']]);
  });
});

describe('FastPath over a worker', () => {
  let fastPath: FastPath | undefined;
  afterEach(async () => {
    await fastPath?.close();
    fastPath = undefined;
  });

  function started(): FastPath {
    fastPath = FastPath.start({ mesh: {} as TcpMeshInit, heartbeatIntervalMs: 200, fenceAfterMs: 700, deadAfterMs: 1000, script: RECORDING_WORKER }, () => undefined);
    return fastPath;
  }

  test('a peer-up\'s burst of sends in one turn reaches the worker as one message', async () => {
    const fp = started();
    for (let i = 0; i < 335; i++) fp.broadcast({ kind: 'ping', seq: i, sentUs: 0 });
    const failure = fp.start().catch((error: Error) => error);
    const recorded = JSON.parse((await failure as Error).message) as { sizes: number[]; last: string[] };
    expect(recorded.sizes).toEqual([336]);
    expect(recorded.last.at(-1)).toBe('start');
  });

  test('an array of events from the worker is delivered whole and in order', async () => {
    const fp = started();
    const heard: MeshEvent[] = [];
    const threeUp = new Promise<void>((resolve) => fp.subscribe((event) => { heard.push(event); if (heard.length === 3) resolve(); }));
    fp.reset(0, 'ask the recording worker for a burst');
    await threeUp;
    expect(heard.map((e) => (e.kind === 'peer-up' ? e.pnn : -1))).toEqual([1, 2, 3]);
    expect(fp.connected()).toEqual([1, 2, 3]);
  });
});
