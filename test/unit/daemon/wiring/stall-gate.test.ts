import { MeshEvent, MeshListener, PeerMesh } from '../../../../src/adapters/peer/port';
import { Takeover } from '../../../../src/adapters/takeover/port';
import { ip } from '../../../../src/core/ip';
import { countTakes, fastPathRefusal, gateMesh, gateTakeover } from '../../../../src/daemon/wiring/stall-gate';

function recordingMesh(): { mesh: PeerMesh; sent: string[]; emit: (event: MeshEvent) => void } {
  const sent: string[] = [];
  const listeners: MeshListener[] = [];
  const mesh: PeerMesh = {
    start: async () => undefined,
    stop: async () => undefined,
    send: (to, message) => { sent.push(`${to}:${message.kind}`); return true; },
    broadcast: (message) => { sent.push(`all:${message.kind}`); return [1, 2]; },
    connected: () => [1, 2],
    reset: (to) => { sent.push(`${to}:reset`); },
    subscribe: (listener) => { listeners.push(listener); return () => undefined; },
    setNodes: () => undefined,
  };
  return { mesh, sent, emit: (event) => listeners.forEach((l) => l(event)) };
}

const leaving = { kind: 'leaving', pnn: 0, reason: 'shutdown' } as const;

describe('gateMesh', () => {
  it('passes frames and events while the loop runs, and stops both once it stood still', () => {
    let stalled = false;
    const { mesh, sent, emit } = recordingMesh();
    const gated = gateMesh(mesh, () => stalled);
    const heard: string[] = [];
    gated.subscribe((event) => heard.push(event.kind));

    expect(gated.send(1, leaving)).toBe(true);
    expect(gated.broadcast(leaving)).toEqual([1, 2]);
    emit({ kind: 'peer-up', pnn: 1 });

    stalled = true;
    expect(gated.send(1, leaving)).toBe(false);
    expect(gated.broadcast(leaving)).toEqual([]);
    emit({ kind: 'peer-up', pnn: 2 });

    expect(sent).toEqual(['1:leaving', 'all:leaving']);
    expect(heard).toEqual(['peer-up']);
    expect(gated.connected()).toEqual([1, 2]);
  });
});

describe('gateTakeover', () => {
  const address = { address: ip('198.51.100.7'), bits: 24 };
  const calls: string[] = [];
  const takeover = {
    take: async () => { calls.push('take'); return {}; },
    move: async () => { calls.push('move'); return {}; },
    takeMany: async () => { calls.push('takeMany'); return {}; },
    release: async () => { calls.push('release'); return {}; },
    releaseMany: async () => { calls.push('releaseMany'); return {}; },
  } as unknown as Takeover;

  it('refuses takes and moves after a stall with E_STALLED, and still releases', async () => {
    const gated = gateTakeover(takeover, () => true);
    await expect(gated.take(address, 'eth0')).rejects.toMatchObject({ code: 'E_STALLED' });
    await expect(gated.move(address, 'eth0', 'eth1')).rejects.toMatchObject({ code: 'E_STALLED' });
    await expect(gated.takeMany([])).rejects.toMatchObject({ code: 'E_STALLED' });
    await gated.release(address);
    await gated.releaseMany([address]);
    expect(calls).toEqual(['release', 'releaseMany']);
  });

  it('refuses adds with E_FENCE_PENDING while a fence the fast path ordered is unseen here, and passes them once it is', async () => {
    calls.length = 0;
    let pending = true;
    const gated = gateTakeover(takeover, () => false, () => fastPathRefusal({ fencePending: () => pending, confirmPending: () => false }));
    await expect(gated.take(address, 'eth0')).rejects.toMatchObject({ code: 'E_FENCE_PENDING' });
    await expect(gated.move(address, 'eth0', 'eth1')).rejects.toMatchObject({ code: 'E_FENCE_PENDING' });
    await expect(gated.takeMany([])).rejects.toMatchObject({ code: 'E_FENCE_PENDING' });
    await gated.releaseMany([address]);
    pending = false;
    await gated.take(address, 'eth0');
    expect(calls).toEqual(['releaseMany', 'take']);
  });

  it('passes everything while the loop runs', async () => {
    calls.length = 0;
    const gated = gateTakeover(takeover, () => false);
    await gated.take(address, 'eth0');
    await gated.move(address, 'eth0', 'eth1');
    await gated.takeMany([]);
    expect(calls).toEqual(['take', 'move', 'takeMany']);
  });
});

describe('countTakes', () => {
  const address = { address: ip('198.51.100.7'), bits: 24 };

  it('counts adds while under way (the kernel may hold the address before the record), not releases', async () => {
    const pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
    const wait = () => new Promise<never>((resolve, reject) => { pending.push({ resolve: () => resolve(undefined as never), reject }); });
    const takeover = { take: wait, move: wait, takeMany: wait, release: wait, releaseMany: wait } as unknown as Takeover;
    const { takeover: counted, underway } = countTakes(takeover);
    expect(underway()).toBe(0);
    const took = counted.take(address, 'eth0');
    const many = counted.takeMany([]);
    const moved = counted.move(address, 'eth0', 'eth1');
    void counted.release(address);
    expect(underway()).toBe(3);
    pending[0].resolve();
    await took;
    expect(underway()).toBe(2);
    pending[1].reject(new Error('EEXIST'));
    await expect(many).rejects.toThrow('EEXIST');
    pending[2].resolve();
    await moved;
    expect(underway()).toBe(0);
  });

  it('tells onAdd of each add before the kernel is asked (the fast path raises its holding slot), not of releases', async () => {
    const seen: number[] = [];
    let counter: () => number = () => -1;
    const asked: number[] = [];
    const takeover = {
      take: async () => { asked.push(seen.length); }, move: async () => undefined, takeMany: async () => ({ reports: [], failures: [] }),
      release: async () => undefined, releaseMany: async () => undefined,
    } as unknown as Takeover;
    const { takeover: counted, underway } = countTakes(takeover, () => seen.push(counter()));
    counter = underway;
    await counted.take(address, 'eth0');
    await counted.release(address);
    expect(seen).toEqual([1]);
    expect(asked).toEqual([1]);
  });
});
