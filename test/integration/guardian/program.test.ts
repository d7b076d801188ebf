// The guardian program (native/guardian/) on its own, in namespace frg-p: its arguments, its pipe protocol, its fence, its log.
//
// The other side of the pipe is src/daemon/guardian.ts and guardian-client.ts; these tests hold
// the two together byte for byte. guardian.test.ts runs the program under a real GuardianKeeper.

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { guardianCommand, GuardianLink } from '../../../src/daemon/guardian-client';
import { GUARDIAN_ACK, GUARDIAN_BYE, GUARDIAN_FENCE, GUARDIAN_FENCE_DONE, GUARDIAN_READY, GUARDIAN_TICK, GuardianExitCode } from '../../../src/daemon/guardian';
import { noticeArgs, NoticeSettings } from '../../../src/daemon/guardian-notice';
import { peersLine } from '../../../src/daemon/guardian-peers';
import { cleanup, ipIn, namespaceWithVeth, spawnTsInNamespace } from './namespace';

const NS = 'frg-p';
const PEER_NS = 'frg-pp';
const IFACE = 'frg0p';
const PROGRAM = guardianCommand().execPath;

jest.setTimeout(60000);

type LogLine = Record<string, unknown>;

interface Guardian {
  readonly child: ChildProcess;
  /** Everything it wrote on stdout so far: the ready line, then one ack per tick. */
  stdout(): string;
  /** Its log lines so far, parsed (each must be one JSON object). */
  log(): LogLine[];
  readonly exited: Promise<number | null>;
}

function startGuardian(args: readonly string[]): Guardian {
  const child = spawn('ip', ['netns', 'exec', NS, PROGRAM, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => { out += chunk.toString('latin1'); });
  child.stderr?.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  child.stdin?.on('error', () => undefined);
  // 'close', not 'exit': every byte of stdout and stderr has been read by then.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child, exited, stdout: () => out,
    log: () => err.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LogLine),
  };
}

async function until(what: string, test: () => boolean, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const ready = (g: Guardian): Promise<void> => until('the ready line', () => g.stdout().startsWith(GUARDIAN_READY));
const acks = (g: Guardian): number => [...g.stdout().slice(GUARDIAN_READY.length)].filter((c) => c.charCodeAt(0) === GUARDIAN_ACK).length;
const write = (g: Guardian, bytes: Uint8Array | string): void => { g.child.stdin?.write(bytes); };

function addresses(): string[] {
  const out = ipIn(NS, '-o', 'addr', 'show', 'dev', IFACE, 'scope', 'global');
  return [...out.matchAll(/inet6? (\S+)/g)].map((m) => m[1]).sort();
}

async function addTagged(prefixes: readonly string[]): Promise<void> {
  const child = spawnTsInNamespace(NS, path.join(__dirname, 'add-tagged.ts'), [IFACE, ...prefixes]);
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`adding tagged addresses failed (${code}): ${err}`);
}

const UNTAGGED = ['192.0.2.99/24', '2001:db8::99/64'];

describe('the guardian program', () => {
  let running: Guardian[] = [];
  let dir: string;

  beforeAll(() => cleanup());
  beforeEach(() => {
    cleanup();
    namespaceWithVeth(NS, IFACE, PEER_NS, 'frg0pp');
    for (const address of UNTAGGED) ipIn(NS, 'addr', 'add', address, 'dev', IFACE, ...(address.includes(':') ? ['nodad'] : []));
    dir = mkdtempSync(path.join(tmpdir(), 'floatip-guardian-'));
    running = [];
  });
  afterEach(() => {
    for (const g of running) {
      try { g.child.kill('SIGCONT'); g.child.kill('SIGKILL'); } catch { /* gone */ }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => cleanup());

  const start = (args: readonly string[]): Guardian => {
    const g = startGuardian(args);
    running.push(g);
    return g;
  };

  it.each([
    [[], /--fence-after-ms is required and positive; usage: guardian --fence-after-ms=MS/],
    [['--fence-after-ms=700', '--verbose'], /unknown argument "--verbose"/],
    [['--fence-after-ms=0'], /--fence-after-ms must be 1\.\.3600000, not "0"/],
    [['--fence-after-ms=700', '--address-protocol=2'], /--address-protocol must be 4\.\.255, not "2"/],
    [['--fence-after-ms=700', '--notice-pnn=1'], /a notice needs all of --notice-pnn, --notice-key-file, --notice-bind and --notice-port/],
    [['--fence-after-ms=700', '--notice-pnn=1', '--notice-key-file=/k', '--notice-bind=192.0.2.1', '--notice-port=4390', '--notice-peer=two@192.0.2.12'],
      /--notice-peer must be PNN@ADDRESS, not "two@192.0.2.12"/],
    [['--fence-after-ms=700', '--notice-pnn=1', '--notice-key-file=/k', '--notice-bind=192.0.2.1', '--notice-port=0'], /--notice-port must be 1\.\.65535/],
  ])('refuses %j with one error line that names the argument, and exits 1 before touching anything', async (args, message) => {
    const g = start(args as string[]);
    expect(await g.exited).toBe(GuardianExitCode.failed);
    expect(g.stdout()).toBe('');
    expect(g.log()).toEqual([expect.objectContaining({ level: 'error', component: 'guardian', msg: expect.stringMatching(message) })]);
  });

  it('takes the notice settings the daemon writes (noticeArgs), and logs as its node', async () => {
    const keyFile = path.join(dir, 'key');
    writeFileSync(keyFile, 'k'.repeat(32), { mode: 0o600 });
    const notice: NoticeSettings = { pnn: 1, keyFile, bindAddress: '192.0.2.99', port: 4390, peers: [{ pnn: 0, address: '192.0.2.10' }, { pnn: 2, address: '2001:db8::12' }] };
    const g = start(['--fence-after-ms=5000', ...noticeArgs(notice)]);
    await ready(g);
    write(g, Uint8Array.of(GUARDIAN_BYE));
    expect(await g.exited).toBe(GuardianExitCode.bye);
    expect(g.log()).toEqual([]);
  });

  it('warns, and still guards, when the cluster key cannot be used: a fence then tells nobody', async () => {
    const keyFile = path.join(dir, 'key');
    writeFileSync(keyFile, 'k'.repeat(32));
    chmodSync(keyFile, 0o644);
    const g = start(['--fence-after-ms=5000', ...noticeArgs({ pnn: 4, keyFile, bindAddress: '192.0.2.99', port: 4390, peers: [{ pnn: 0, address: '192.0.2.10' }] })]);
    await ready(g);
    g.child.stdin?.end();
    expect(await g.exited).toBe(GuardianExitCode.fencedPipeClosed);
    const [warning, fence] = g.log();
    expect(warning).toMatchObject({ level: 'warn', pnn: 4, msg: expect.stringMatching(/cannot read the cluster key.*has mode 0644.*chmod 600/) });
    expect(fence).toMatchObject({ level: 'warn', cause: 'pipe-closed' });
    expect(g.log()).toHaveLength(2);
  });

  it('gets ready when the key file is a FIFO (nobody writes to it), and says what is wrong with it', async () => {
    const keyFile = path.join(dir, 'key');
    execFileSync('mkfifo', ['-m', '600', keyFile]);
    const g = start(['--fence-after-ms=5000', ...noticeArgs({ pnn: 4, keyFile, bindAddress: '192.0.2.99', port: 4390, peers: [] })]);
    await ready(g);
    write(g, Uint8Array.of(GUARDIAN_BYE));
    expect(await g.exited).toBe(GuardianExitCode.bye);
    expect(g.log()).toEqual([expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/cannot read the cluster key.*is not a regular file/) })]);
  });

  it('names why a notice could not even be sent (its bind address is not on this node)', async () => {
    const keyFile = path.join(dir, 'key');
    writeFileSync(keyFile, 'k'.repeat(32), { mode: 0o600 });
    const g = start(['--fence-after-ms=5000', ...noticeArgs({ pnn: 4, keyFile, bindAddress: '203.0.113.77', port: 4390, peers: [{ pnn: 0, address: '192.0.2.10' }] })]);
    await ready(g);
    g.child.stdin?.end();
    expect(await g.exited).toBe(GuardianExitCode.fencedPipeClosed);
    const [notices] = g.log();
    expect(notices).toMatchObject({ level: 'warn', msg: 'could not tell 1 of 1 peer(s) the addresses are gone: they wait out crash_grace' });
    expect(notices.notices).toEqual([{ pnn: 0, ok: false, error: expect.stringMatching(/^bind 203\.0\.113\.77: Cannot assign requested address/) }]);
  });

  it('acks every tick with one byte, once ready', async () => {
    const g = start(['--fence-after-ms=5000']);
    await ready(g);
    write(g, Uint8Array.of(GUARDIAN_TICK, GUARDIAN_TICK, 0x0a, GUARDIAN_TICK));
    await until('three acks', () => acks(g) === 3);
    write(g, Uint8Array.of(GUARDIAN_TICK));
    await until('four acks', () => acks(g) === 4);
    write(g, Uint8Array.of(GUARDIAN_BYE));
    expect(await g.exited).toBe(GuardianExitCode.bye);
  });

  it('leaves on goodbye without touching an address, and reads nothing after it', async () => {
    await addTagged(['192.0.2.10/24', '2001:db8::10/64']);
    const before = addresses();
    const g = start(['--fence-after-ms=5000']);
    await ready(g);
    write(g, Uint8Array.of(GUARDIAN_TICK, GUARDIAN_BYE, GUARDIAN_TICK));
    g.child.stdin?.end();
    expect(await g.exited).toBe(GuardianExitCode.bye);
    expect(addresses()).toEqual(before);
    expect(g.log()).toEqual([]);
  });

  it('a closed pipe: removes every tagged address at once (secondaries of one subnet and IPv6 alike), leaves the others, logs a count', async () => {
    const tagged = [...Array.from({ length: 40 }, (_, k) => `198.51.100.${k + 1}/24`), ...Array.from({ length: 20 }, (_, k) => `2001:db8:1::${k + 1}/64`)];
    await addTagged(tagged);
    expect(addresses()).toHaveLength(tagged.length + UNTAGGED.length);
    const g = start(['--fence-after-ms=5000']);
    await ready(g);
    write(g, Uint8Array.of(GUARDIAN_TICK));
    await until('the ack', () => acks(g) === 1);
    g.child.stdin?.end();
    expect(await g.exited).toBe(GuardianExitCode.fencedPipeClosed);
    expect(addresses()).toEqual([...UNTAGGED].sort());
    const [line] = g.log();
    expect(line).toMatchObject({ level: 'warn', component: 'guardian', cause: 'pipe-closed', removed: tagged.length, failed: [], msg: 'floatipd died: removed its public addresses' });
    expect(String(line.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(line.pid).toBe(g.child.pid);
    expect(typeof line.fenceMs).toBe('number');
    expect(g.log()).toHaveLength(1);
  });

  it('no tick for fence_after: fences, and bytes that are no tick do not count as one', async () => {
    await addTagged(['192.0.2.10/24']);
    const g = start(['--fence-after-ms=300']);
    await ready(g);
    write(g, Uint8Array.of(GUARDIAN_TICK));
    await until('the ack', () => acks(g) === 1);
    const lastTickAckedAt = performance.now();
    write(g, 'hello\n');
    expect(await g.exited).toBe(GuardianExitCode.fencedNoTicks);
    expect(performance.now() - lastTickAckedAt).toBeGreaterThanOrEqual(290);
    expect(addresses()).toEqual([...UNTAGGED].sort());
    const [line] = g.log();
    expect(line).toMatchObject({ level: 'warn', cause: 'no-ticks', removed: 1, msg: expect.stringMatching(/^floatipd sent no tick for \d+ ms: removed its public addresses$/) });
    expect(line.silentMs as number).toBeGreaterThanOrEqual(300);
  });

  it('a fence order: removes every tagged address at once, answers "F", and guards on (ticks acked, a later closed pipe fences again)', async () => {
    const tagged = [...Array.from({ length: 40 }, (_, k) => `198.51.100.${k + 1}/24`), '2001:db8:1::f/64'];
    await addTagged(tagged);
    const g = start(['--fence-after-ms=5000']);
    await ready(g);
    const fenceDone = (): number => [...g.stdout().slice(GUARDIAN_READY.length)].filter((c) => c.charCodeAt(0) === GUARDIAN_FENCE_DONE).length;
    // A peer list whose address holds the order's byte ('f' in 2001:db8::f) orders nothing.
    write(g, Buffer.concat([peersLine([{ pnn: 2, address: '2001:db8::f' }]), Uint8Array.of(GUARDIAN_TICK)]));
    await until('the ack after the peer list', () => acks(g) === 1);
    expect(fenceDone()).toBe(0);
    expect(addresses()).toHaveLength(tagged.length + UNTAGGED.length);

    write(g, Uint8Array.of(GUARDIAN_FENCE, GUARDIAN_TICK));
    await until('the fence\'s answer', () => fenceDone() === 1);
    expect(addresses()).toEqual([...UNTAGGED].sort());
    const fenced = g.log().find((l) => l.cause === 'ordered');
    expect(fenced).toMatchObject({ level: 'warn', removed: tagged.length, failed: [], msg: 'floatipd\'s fast path found no quorum: removed its public addresses, guarding on' });
    expect(typeof fenced?.fenceMs).toBe('number');

    // Still the guardian: the daemon may take addresses again later, and a crash then is fenced as ever.
    await until('the ack after the order', () => acks(g) === 2);
    await addTagged(['203.0.113.5/24']);
    write(g, Uint8Array.of(GUARDIAN_TICK));
    await until('a third ack', () => acks(g) === 3);
    g.child.stdin?.end();
    expect(await g.exited).toBe(GuardianExitCode.fencedPipeClosed);
    expect(addresses()).toEqual([...UNTAGGED].sort());
    expect(g.log().map((l) => l.cause ?? l.msg)).toEqual(['the daemon\'s node set changed: a fence is told to 1 peer(s)', 'ordered', 'pipe-closed']);
  });

  it('GuardianLink.confirm: answered once the guardian acks a tick written now; not while it is stopped; false when it ends', async () => {
    await addTagged(['192.0.2.10/24']);
    const ended: string[] = [];
    const link = await GuardianLink.start({ fenceAfterMs: 5000, tickEveryMs: 1000, command: { execPath: 'ip', args: ['netns', 'exec', NS, PROGRAM] } },
      { ended: (end) => ended.push(end) });
    const asked = (): { readonly answer: Promise<boolean>; readonly settled: () => boolean } => {
      let settled = false;
      const answer = new Promise<boolean>((resolve) => {
        expect(link.confirm((answered) => { settled = true; resolve(answered); })).toBe(true);
      });
      return { answer, settled: () => settled };
    };
    try {
      expect(await asked().answer).toBe(true);

      // A guardian without a core (SIGSTOP) answers nothing; once it runs it reads the tick before any deadline, and answers.
      process.kill(link.pid as number, 'SIGSTOP');
      const waiting = asked();
      await new Promise((resolve) => setTimeout(resolve, 200)); // the fault's length: the guardian stands still this long
      expect(waiting.settled()).toBe(false);
      process.kill(link.pid as number, 'SIGCONT');
      expect(await waiting.answer).toBe(true);
      expect(addresses()).toContain('192.0.2.10/24');

      // A guardian that ends before it answers (here killed; a fenced one exits the same way) says false.
      process.kill(link.pid as number, 'SIGSTOP');
      const lost = asked();
      link.kill();
      expect(await lost.answer).toBe(false);
      expect(ended).toEqual(['killed']);
    } finally {
      link.kill();
    }
  });

  it('a guardian that stood still past its deadline reads the ticks that waited in its pipe before it judges: no fence', async () => {
    await addTagged(['192.0.2.10/24']);
    const g = start(['--fence-after-ms=1000']);
    await ready(g);
    g.child.kill('SIGSTOP');
    // The daemon went on ticking while the guardian had no core; the deadline passes meanwhile.
    write(g, Uint8Array.of(GUARDIAN_TICK, GUARDIAN_TICK, GUARDIAN_TICK));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    g.child.kill('SIGCONT');
    await until('the acks of the waiting ticks', () => acks(g) === 3);
    write(g, Uint8Array.of(GUARDIAN_BYE));
    expect(await g.exited).toBe(GuardianExitCode.bye);
    expect(addresses()).toContain('192.0.2.10/24');
  });

  it('takes a peer list out of the pipe whole: the "b" of an IPv6 address is no goodbye, a bad line is dropped', async () => {
    await addTagged(['192.0.2.10/24']);
    const g = start(['--fence-after-ms=5000']);
    await ready(g);
    const peers = [{ pnn: 1, address: '198.51.100.2' }, { pnn: 3, address: '2001:db8::b' }];
    expect(peersLine(peers).includes(GUARDIAN_BYE)).toBe(true);
    // Cut across writes, as a pipe may deliver it.
    const line = peersLine(peers);
    write(g, line.subarray(0, 5));
    write(g, Buffer.concat([line.subarray(5), Buffer.from('p1@198.51.100.2 garbage\n'), Uint8Array.of(GUARDIAN_TICK)]));
    await until('the ack after the lines', () => acks(g) === 1);
    g.child.stdin?.end();
    expect(await g.exited).toBe(GuardianExitCode.fencedPipeClosed);
    expect(addresses()).toEqual([...UNTAGGED].sort());
    expect(g.log().map((l) => l.msg)).toEqual([
      'the daemon\'s node set changed: a fence is told to 2 peer(s)', 'floatipd died: removed its public addresses',
    ]);
    expect(g.log()[0].peers).toEqual([1, 3]);
  });
});
