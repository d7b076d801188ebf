// The cluster key file: mode, owner, length, kind of file; each refusal names the file and the fix.

import { chmodSync, chownSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyFileProblem, loadClusterKey } from '../../../../src/adapters/peer/cluster-key';

const uid = process.getuid?.() ?? 0;

describe('keyFileProblem', () => {
  const fine = { isFile: true, mode: 0o100600, uid: 0, size: 32 };

  it('accepts 0600 and 0400 files owned by root or an allowed uid, 16 bytes or more', () => {
    expect(keyFileProblem('/k', fine, [0])).toBeUndefined();
    expect(keyFileProblem('/k', { ...fine, mode: 0o100400 }, [0])).toBeUndefined();
    expect(keyFileProblem('/k', { ...fine, uid: 1000 }, [0, 1000])).toBeUndefined();
    expect(keyFileProblem('/k', { ...fine, size: 16 }, [0])).toBeUndefined();
  });

  it.each([
    [0o100640, '0640'], [0o100604, '0604'], [0o100644, '0644'], [0o100660, '0660'], [0o100777, '0777'],
  ])('refuses mode %s with chmod 600 advice', (mode, text) => {
    const problem = keyFileProblem('/etc/floatip/cluster.key', { ...fine, mode }, [0]);
    expect(problem).toMatchObject({ code: 'E_KEY_MODE', file: '/etc/floatip/cluster.key' });
    expect(problem?.message).toContain(`mode ${text}`);
    expect(problem?.message).toContain('chmod 600 /etc/floatip/cluster.key');
  });

  it('refuses a file owned by someone else, short keys, huge files and non-files', () => {
    expect(keyFileProblem('/k', { ...fine, uid: 1000 }, [0])).toMatchObject({ code: 'E_KEY_OWNER', message: expect.stringContaining('chown root /k') });
    expect(keyFileProblem('/k', { ...fine, size: 15 }, [0])).toMatchObject({ code: 'E_KEY_SHORT', message: expect.stringContaining('15 bytes') });
    expect(keyFileProblem('/k', { ...fine, size: 1 << 20 }, [0])).toMatchObject({ code: 'E_KEY_UNREADABLE' });
    expect(keyFileProblem('/k', { ...fine, isFile: false }, [0])).toMatchObject({ code: 'E_KEY_NOT_FILE' });
  });
});

describe('loadClusterKey', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'fms-key-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function keyFile(content: Buffer | string, mode: number): string {
    const file = join(dir, 'cluster.key');
    writeFileSync(file, content);
    chmodSync(file, mode);
    return file;
  }

  it('returns the file\'s bytes exactly, trailing newline included', async () => {
    const bytes = Buffer.from('0123456789abcdef0123456789abcdef\n');
    const key = await loadClusterKey(keyFile(bytes, 0o600));
    expect(Buffer.from(key)).toEqual(bytes);
  });

  it('refuses a group-readable file before reading it', async () => {
    const file = keyFile('0123456789abcdef0123', 0o640);
    await expect(loadClusterKey(file)).rejects.toMatchObject({ code: 'E_KEY_MODE', message: expect.stringContaining(`chmod 600 ${file}`) });
  });

  it('refuses a file the daemon\'s uid is not allowed to trust', async () => {
    const file = keyFile('0123456789abcdef0123', 0o600);
    await expect(loadClusterKey(file)).resolves.toHaveLength(20);
    // Root may always own it; as root, hand the file to nobody (65534) instead.
    if (uid === 0) chownSync(file, 65534, 65534);
    await expect(loadClusterKey(file, { allowedUids: [uid === 0 ? 4242 : uid + 1] })).rejects.toMatchObject({ code: 'E_KEY_OWNER' });
  });

  it('refuses a short key, a missing file, a symbolic link and a directory', async () => {
    await expect(loadClusterKey(keyFile('short', 0o600))).rejects.toMatchObject({ code: 'E_KEY_SHORT' });
    await expect(loadClusterKey(join(dir, 'nope'))).rejects.toMatchObject({
      code: 'E_KEY_MISSING', message: expect.stringContaining('head -c 32 /dev/urandom'),
    });
    const target = keyFile('0123456789abcdef0123', 0o600);
    symlinkSync(target, join(dir, 'link'));
    await expect(loadClusterKey(join(dir, 'link'))).rejects.toMatchObject({ code: 'E_KEY_NOT_FILE' });
    mkdirSync(join(dir, 'sub'), { mode: 0o700 });
    await expect(loadClusterKey(join(dir, 'sub'))).rejects.toMatchObject({ code: 'E_KEY_NOT_FILE' });
  });
});
