// The guardian's FENCED notice against real TCP meshes on loopback: both directions of the dialling rule, and every misuse.
//
// The notice is sent by the guardian program (native/guardian/notice.cc), run here as node 2's
// guardian whose daemon died: its pipe closed at once. It runs in the test's own network
// namespace with an address tag nothing carries (--address-protocol=250), so its fence reads
// the addresses and removes none (FENCED says `removed: 0`).

import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pnn } from '../../../src/core/flags';
import { MeshEvent } from '../../../src/adapters/peer/port';
import { TcpMesh } from '../../../src/adapters/peer/tcp-mesh';
import { guardianCommand } from '../../../src/daemon/guardian-client';
import { noticeArgs, NoticeSettings } from '../../../src/daemon/guardian-notice';
import { FencedMessage } from '../../../src/protocol/frame-messages';
import { beat, Node, waitFor } from '../../unit/adapters/peer/contract';
import { loopbackCluster, LoopbackCluster } from './loopback';
import { HonestPeer, RawPeer } from './raw-peer';

jest.setTimeout(30000);

type Fenced = Extract<MeshEvent, { kind: 'fenced' }>;
const fencedEvents = (node: Node): Fenced[] => node.events.filter((e): e is Fenced => e.kind === 'fenced');
const rejections = (node: Node, code: string): MeshEvent[] => node.events.filter((e) => e.kind === 'rejected' && e.code === code);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type NoticeOutcome = { readonly pnn: Pnn; readonly ok: true; readonly ms: number } | { readonly pnn: Pnn; readonly ok: false; readonly error: string };

/** Starts the guardian program with these notice settings, closes its pipe once it is ready, and returns the outcomes it logged. */
async function guardianNotices(settings: NoticeSettings): Promise<NoticeOutcome[]> {
  const { execPath, args } = guardianCommand();
  const child = spawn(execPath, [...args, '--fence-after-ms=60000', '--address-protocol=250', ...noticeArgs(settings)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith('ready\n')) child.stdin.end();
  });
  child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const lines = err.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { notices?: NoticeOutcome[] });
  const told = lines.find((l) => l.notices !== undefined);
  if (code !== 10 || told?.notices === undefined) throw new Error(`the guardian fenced with status ${code} and logged no notices: ${err}`);
  return told.notices;
}

describe('the guardian\'s FENCED notice', () => {
  let cluster: LoopbackCluster;
  let dir: string;
  const started: TcpMesh[] = [];
  const raws: RawPeer[] = [];

  // Nodes 0..3 at 127.0.0.1 .. 127.0.0.4. Node 2's daemon is "dead": only its guardian speaks.
  beforeEach(async () => {
    cluster = await loopbackCluster(4, 1);
    dir = mkdtempSync(join(tmpdir(), 'floatip-notice-'));
  });
  afterEach(async () => {
    for (const raw of raws.splice(0)) raw.destroy();
    for (const mesh of started.splice(0)) await mesh.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startNode(pnn: Pnn): Promise<Node> {
    const mesh = cluster.mesh(pnn);
    const node = new Node(pnn, mesh);
    started.push(mesh);
    await mesh.start();
    return node;
  }

  const address = (pnn: Pnn): string => cluster.nodes[pnn].address?.text as string;

  function settings(pnn: Pnn, peers: readonly Pnn[]): NoticeSettings {
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, cluster.key, { mode: 0o600 });
    return { pnn, keyFile, bindAddress: address(pnn), port: cluster.port, peers: peers.map((p) => ({ pnn: p, address: address(p) })) };
  }

  const fenced: FencedMessage = { kind: 'fenced', pnn: 2, cause: 'pipe-closed', removed: 0 };

  it('reaches a lower node (against the dialling rule) and a higher one; neither takes it for node 2\'s session', async () => {
    const [lower, higher] = [await startNode(1), await startNode(3)];
    const outcomes = await guardianNotices(settings(2, [1, 3]));
    expect(outcomes.map((o) => [o.pnn, o.ok])).toEqual([[1, true], [3, true]]);
    for (const node of [lower, higher]) {
      await waitFor('the fenced event', () => fencedEvents(node).length === 1);
      expect(fencedEvents(node)).toEqual([{ kind: 'fenced', pnn: 2, cause: 'pipe-closed', removed: 0 }]);
      expect(node.ups()).not.toContain(2);
      expect(node.mesh.connected()).not.toContain(2);
      expect(node.events.filter((e) => e.kind === 'rejected')).toEqual([]);
    }
  });

  it('leaves the node\'s own session alone when its guardian notifies (a frozen daemon keeps its stream)', async () => {
    const [target, node2] = [await startNode(1), await startNode(2)];
    await waitFor('the session 1-2', () => target.mesh.connected().includes(2));
    await guardianNotices(settings(2, [1]));
    await waitFor('the fenced event', () => fencedEvents(target).length === 1);
    expect(target.mesh.connected()).toContain(2);
    expect(target.downs()).toEqual([]);
    expect(node2.mesh.send(1, beat(2, 1))).toBe(true);
    await waitFor('a heartbeat on the session', () => target.beatsFrom(2).length === 1);
  });

  it('fails on a wrong key, and the peer hears nothing', async () => {
    const target = await startNode(1);
    const wrong = settings(2, [1]);
    writeFileSync(wrong.keyFile, new Uint8Array(32).fill(9), { mode: 0o600 });
    const outcomes = await guardianNotices(wrong);
    expect(outcomes).toEqual([{ pnn: 1, ok: false, error: expect.stringMatching(/E_WRONG_KEY/) }]);
    await waitFor('the rejection', () => rejections(target, 'E_WRONG_KEY').length === 1);
    expect(fencedEvents(target)).toEqual([]);
  });

  it('reports an unreachable peer, without holding up the others', async () => {
    const target = await startNode(1);
    const outcomes = await guardianNotices(settings(2, [0, 1])); // node 0 is not running
    expect(outcomes[0]).toMatchObject({ pnn: 0, ok: false });
    expect(outcomes[1]).toMatchObject({ pnn: 1, ok: true });
    expect(fencedEvents(target)).toHaveLength(1);
  });

  it('refuses a notifier that sends anything but FENCED for its own node', async () => {
    const target = await startNode(1);
    const chatty = await HonestPeer.connect({ from: address(2), to: address(1), port: cluster.port, pnn: 2, key: cluster.key, expected: 1, role: 'notifier' });
    raws.push(chatty.raw);
    chatty.send(beat(2, 1));
    await chatty.raw.waitClosed();
    const liar = await HonestPeer.connect({ from: address(2), to: address(1), port: cluster.port, pnn: 2, key: cluster.key, expected: 1, role: 'notifier' });
    raws.push(liar.raw);
    liar.send({ ...fenced, pnn: 3 });
    await liar.raw.waitClosed();
    await waitFor('two rejections', () => rejections(target, 'E_NOTICE').length === 2);
    expect(rejections(target, 'E_NOTICE').map((r) => (r as { detail: string }).detail)).toEqual([
      expect.stringMatching(/sent heartbeat: a notifier sends only FENCED for its own node/),
      expect.stringMatching(/sent FENCED for node 3/),
    ]);
    expect(fencedEvents(target)).toEqual([]);
    expect(target.beatsFrom(2)).toEqual([]);
  });

  it('closes a notifier that sends nothing after its handshake', async () => {
    const target = await startNode(1);
    const mute = await HonestPeer.connect({ from: address(2), to: address(1), port: cluster.port, pnn: 2, key: cluster.key, expected: 1, role: 'notifier' });
    raws.push(mute.raw);
    await mute.raw.waitClosed(5000);
    expect(rejections(target, 'E_NOTICE')).toHaveLength(1);
  });

  it('ignores FENCED sent on a node\'s mesh session: only its guardian\'s notifier connection may say it', async () => {
    const target = await startNode(3);
    const session = await HonestPeer.connect({ from: address(2), to: address(3), port: cluster.port, pnn: 2, key: cluster.key, expected: 3 });
    raws.push(session.raw);
    session.send(fenced);
    session.send(beat(2, 1));
    await waitFor('the heartbeat after it', () => target.beatsFrom(2).length === 1);
    expect(rejections(target, 'E_NOTICE')).toHaveLength(1);
    expect(fencedEvents(target)).toEqual([]);
    expect(target.mesh.connected()).toContain(2);
  });

  it('refuses a recorded notice sent again: fresh nonces, so its FENCED fails the MAC', async () => {
    const target = await startNode(1);
    const recorded = await HonestPeer.connect({ from: address(2), to: address(1), port: cluster.port, pnn: 2, key: cluster.key, expected: 1, role: 'notifier' });
    raws.push(recorded.raw);
    recorded.send(fenced);
    await recorded.raw.waitClosed();
    await waitFor('the first notice', () => fencedEvents(target).length === 1);
    const replay = await RawPeer.open(address(2), address(1), cluster.port);
    raws.push(replay);
    replay.write(Buffer.concat(recorded.raw.sent));
    await replay.waitClosed();
    await sleep(50);
    expect(rejections(target, 'E_BAD_MAC')).toHaveLength(1);
    expect(fencedEvents(target)).toHaveLength(1);
  });
});
