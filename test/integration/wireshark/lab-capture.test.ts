// The dissector on a real lab's mesh: tcpdump on the switch's private bridge, then every frame tshark shows must equal what the nodes sent.
//
// What the nodes sent is read without the dissector: tshark's stream follower gives each
// direction's bytes, the project's decoder reads the frames, and node:crypto checks their
// MACs under the keys derived from both HELLOs (sessionKeys). The dissector must show the
// same frames, field for field, with a good MAC and no expert info.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labFail, labStatus, labUp, LabTarget } from '../../../src/lab';
import { startDaemon, waitForDaemons } from '../../../src/lab/daemons';
import { daemonCommand } from '../../../src/lab/package-files';
import { decodeBody, HEADER_BYTES, MAC_BYTES } from '../../../src/protocol/frame';
import { messageKindOf } from '../../../src/protocol/frame-message-codecs';
import { HelloMessage, PeerMessage } from '../../../src/protocol/frame-messages';
import { HELLO_MAC_KEY, sessionKeys } from '../../../src/protocol/frame-session';
import { holders, publicAddressesIn, runCliCaptured, waitFor } from '../daemon/helpers/daemon-lab';
import { cleanUpAll } from '../helpers/cleanup';
import { prepareTsDaemon } from '../daemon/helpers/ts-daemon';
import { Capture, endCapture, startCapture, stopCapture } from './helpers/capture';
import { hmac } from './helpers/conversation';
import { expectedFloatipTree, JsonTree } from './helpers/expected-tree';
import { followStreams, StreamBytes } from './helpers/follow';
import { dissect, Dissection } from './helpers/tshark';

jest.setTimeout(120_000);

const PREFIX = 'fxw';

interface SentFrame {
  readonly seq: number;
  readonly message: PeerMessage;
  readonly bytes: Uint8Array;
}

/** The whole frames in one direction's bytes (a frame the capture cut off at its end is left out). */
function framesOf(bytes: Buffer): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at + 4 <= bytes.length;) {
    const length = bytes.readUInt32BE(at);
    if (length < HEADER_BYTES + MAC_BYTES) throw new Error(`a frame of ${length} bytes at offset ${at}: the stream is not floatip frames`);
    if (at + length > bytes.length) break;
    out.push(new Uint8Array(bytes.subarray(at, at + length)));
    at += length;
  }
  return out;
}

function decodeFrame(bytes: Uint8Array): SentFrame {
  const view = Buffer.from(bytes);
  const kind = messageKindOf(view[7]);
  if (kind === undefined) throw new Error(`a frame of unknown type 0x${view[7].toString(16)} on the mesh`);
  const seq = view.readUInt32BE(8) * 2 ** 32 + view.readUInt32BE(12);
  return { seq, message: decodeBody(kind, bytes.subarray(HEADER_BYTES, bytes.length - MAC_BYTES)), bytes };
}

function macIsGood(frame: Uint8Array, key: Uint8Array): boolean {
  const end = frame.length - MAC_BYTES;
  return Buffer.from(hmac(key, frame.subarray(0, end))).equals(Buffer.from(frame.subarray(end)));
}

/** Both directions of one connection decoded by the project's code, with every MAC checked under the derived keys. */
function decodeConnection(stream: StreamBytes, clusterKey: Uint8Array): { fromClient: SentFrame[]; fromServer: SentFrame[] } {
  const fromClient = framesOf(stream.fromClient).map(decodeFrame);
  const fromServer = framesOf(stream.fromServer).map(decodeFrame);
  const initiator = fromClient[0]?.message as HelloMessage | undefined;
  const responder = fromServer[0]?.message as HelloMessage | undefined;
  if (initiator?.kind !== 'hello' || responder?.kind !== 'hello') throw new Error(`stream ${stream.stream} does not start with two HELLOs`);
  const keys = sessionKeys(hmac, clusterKey, initiator, responder);
  const check = (frames: SentFrame[], key: Uint8Array, side: string): void => frames.forEach((frame, i) => {
    if (!macIsGood(frame.bytes, i === 0 ? HELLO_MAC_KEY : key)) throw new Error(`stream ${stream.stream}: ${side} frame ${i} (${frame.message.kind}) fails its MAC`);
  });
  check(fromClient, keys.initiatorToResponder, 'client');
  check(fromServer, keys.responderToInitiator, 'server');
  return { fromClient, fromServer };
}

describe('the floatip dissector on a real lab\'s mesh traffic', () => {
  let root: string;
  let target: LabTarget;
  let tcpdump: Capture | undefined;
  let dissection: Dissection;
  let streams: StreamBytes[];
  let clusterKey: Uint8Array;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), `${PREFIX}-`));
    target = { prefix: PREFIX, dir: join(root, 'lab') };
    await labDown(target);
    const daemon = prepareTsDaemon(root);
    const { plan } = await labUp(target, {
      nodes: 3, ipv4Addresses: 3, ipv6Addresses: 2, profile: 'default', daemons: false, floatipd: daemon.command, startTimeoutMs: 30_000,
    });
    const capture = join(root, 'mesh.pcap');
    // Listening before any daemon starts: every connection is captured from its HELLO, so every MAC can be checked.
    tcpdump = await startCapture({ namespace: plan.names.switchNamespace, iface: plan.names.privateBridge, file: capture, filter: 'tcp port 4390' });
    const command = daemonCommand(daemon.command);
    const started = [];
    for (const node of plan.nodes) started.push({ node, pid: await startDaemon(node, command) });
    const reports = await waitForDaemons(started, 30_000);
    expect(reports.filter((r) => !r.up)).toEqual([]);
    const addresses = plan.publicAddresses.map((a) => a.address.text);
    const lab = { kernelAddresses: () => plan.nodes.map((n) => publicAddressesIn(n.namespace, plan.names.publicInterface)) };
    // Placed is not ready: a node hosts nothing until its guardian is (it starts beside the join), so
    // the first placement can put every address on whichever node was ready first. Wait for all three.
    for (const node of plan.nodes) {
      const ready = await runCliCaptured(['wait-ok', '--timeout', '30', '--socket', node.controlSocket]);
      expect([node.pnn, ready.code, ready.stderr]).toEqual([node.pnn, 0, '']);
    }
    // An administrator's command on a node that does not lead (node 0 does): ADMIN-REQUEST, a takeover run, ADMIN-REPLY.
    const address = await waitFor('an address placed on another node than 2', () => {
      const layout = holders(lab, addresses);
      return layout === undefined ? undefined : addresses.find((a) => layout.get(a) !== 2);
    }, 30_000);
    const run = await runCliCaptured(['moveip', address, '2', '--socket', plan.nodes[1].controlSocket]);
    expect([run.code, run.stderr]).toEqual([0, '']);
    await waitFor(`${address} on node 2`, () => (holders(lab, [address])?.get(address) === 2 ? true : undefined), 10_000);
    // A planned stop of every node: LEAVING on every connection, then the streams close, and the mesh is quiet.
    for (const node of plan.nodes) await labFail(target, node.pnn, 'stop');
    await waitFor('every floatipd gone', async () => ((await labStatus(target)).nodes.every((n) => n.daemon === 'gone') ? true : undefined), 30_000, 100);
    await stopCapture(tcpdump);
    clusterKey = new Uint8Array(readFileSync(plan.nodes[0].keyPath));
    dissection = await dissect(capture, { keyFile: plan.nodes[0].keyPath });
    streams = await followStreams(capture, [...new Set(dissection.frames.map((f) => f.stream))]);
  });

  afterAll(async () => {
    // Each step whatever the one before did: a failed beforeAll must not leave tcpdump or the lab behind.
    await cleanUpAll(() => tcpdump && endCapture(tcpdump), () => labDown(target), () => rmSync(root, { recursive: true, force: true }));
  });

  it('captured the mesh: three connections, the handshake, heartbeats, pings, takeover runs, an admin command and the nodes leaving', () => {
    expect(streams.length).toBeGreaterThanOrEqual(3);
    const kinds = new Set(dissection.frames.map((f) => f.tree['floatip.type']));
    for (const type of ['0x01', '0x02', '0x10', '0x11', '0x12', '0x13', '0x14', '0x20', '0x21', '0x22', '0x23', '0x24', '0x25', '0x27', '0x40', '0x41']) expect(kinds).toContain(type);
  });

  it('shows every frame the nodes sent, field for field, with a good MAC and no expert info', () => {
    let compared = 0;
    for (const stream of streams) {
      const { fromClient, fromServer } = decodeConnection(stream, clusterKey);
      for (const [endpoint, sent] of [[stream.client, fromClient], [stream.server, fromServer]] as const) {
        const shown = dissection.frames.filter((f) => f.stream === stream.stream && `${f.src}:${f.srcPort}` === endpoint);
        const want: JsonTree[] = sent.map((frame) => expectedFloatipTree(frame, '1'));
        expect({ stream: stream.stream, endpoint, frames: shown.map((f) => f.tree) }).toEqual({ stream: stream.stream, endpoint, frames: want });
        expect(shown.flatMap((f) => f.experts)).toEqual([]);
        compared += sent.length;
      }
    }
    expect(compared).toBe(dissection.frames.length);
    expect(compared).toBeGreaterThan(0);
    expect(dissection.brokenPackets).toEqual([]);
    expect(dissection.luaErrors).toEqual([]);
  });
});
