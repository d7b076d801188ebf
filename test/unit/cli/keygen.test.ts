// floatip keygen: a new 0600 key the daemon's loader accepts, never a replaced one.

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClusterKey } from '../../../src/adapters/peer/cluster-key';
import { keygenCommand, NEW_KEY_BYTES } from '../../../src/cli/commands/keygen';
import { captureIo as capture } from './harness';

describe('floatip keygen', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'fv-keygen-')); });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

  test('writes a key the daemon loads, mode 0600 whatever the umask, and prints its fingerprint', async () => {
    const file = join(dir, 'cluster.key');
    const { io, out } = capture();
    const oldUmask = process.umask(0o000);
    try {
      expect(await keygenCommand().run([file], io)).toBe(0);
    } finally {
      process.umask(oldUmask);
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const key = await loadClusterKey(file);
    expect(key.length).toBe(NEW_KEY_BYTES);
    expect(out()).toContain(`sha256 ${createHash('sha256').update(key).digest('hex')}`);
  });

  test('two runs make two different keys', async () => {
    const a = join(dir, 'a.key');
    const b = join(dir, 'b.key');
    await keygenCommand().run([a], capture().io);
    await keygenCommand().run([b], capture().io);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(false);
  });

  test('an existing key is never replaced', async () => {
    const file = join(dir, 'cluster.key');
    writeFileSync(file, 'the key the other nodes share', { mode: 0o600 });
    const { io, err } = capture();
    expect(await keygenCommand().run([file], io)).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe('the key the other nodes share');
    expect(err()).toMatch(/exists already.*never replaces/);
  });

  test('a missing directory is said plainly', async () => {
    const { io, err } = capture();
    expect(await keygenCommand().run([join(dir, 'no', 'cluster.key')], io)).toBe(1);
    expect(err()).toMatch(/ENOENT.*does its directory exist/);
  });
});
