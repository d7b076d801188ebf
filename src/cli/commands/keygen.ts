// `floatip keygen [FILE]`: makes a new cluster key file, readable by root only, and never replaces one.
//
// The package installs no key: an admin makes it once on one node and copies the same file to
// the others (docs/deploying.md). Writing it with O_EXCL and mode 0600 from the start means
// there is no moment where the key exists with a wider mode, and a second run cannot silently
// split the cluster by replacing the key one node already shares with the others.

import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { open } from 'node:fs/promises';
import { expectPositionals, parseArgs } from '../args';
import { CliIo, Command, EXIT_FAILED, EXIT_OK } from '../command';

/** cluster.key_file's default (src/config/schema.ts). */
export const DEFAULT_KEY_FILE = '/etc/floatip/cluster.key';
/** 256 bits: as long as the HMAC-SHA256 key it becomes; well above the 16 bytes floatipd demands. */
export const NEW_KEY_BYTES = 32;

const USAGE = `usage: floatip keygen [FILE]

Writes a new random cluster key (${NEW_KEY_BYTES} bytes) to FILE (default ${DEFAULT_KEY_FILE}, the
default of cluster.key_file), created with mode 0600 so that only its owner can read it, and
prints its SHA-256 fingerprint. It never replaces an existing file. Run it once, on one node, then
copy the same file to every other node over a channel you trust and compare the fingerprints
(sha256sum FILE).`;

/** What keygen touches: tests give a temporary directory or fakes. */
export interface KeygenDeps {
  readonly randomBytes: (count: number) => Uint8Array;
  /** Creates `path` with mode 0600 and writes `data`; rejects with EEXIST when it exists. */
  readonly createSecretFile: (path: string, data: Uint8Array) => Promise<void>;
}

export const processKeygenDeps: KeygenDeps = {
  randomBytes: (count) => new Uint8Array(randomBytes(count)),
  async createSecretFile(path, data) {
    const handle = await open(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o600);
    try {
      // The mode given to open() is masked by the umask; 0600 must hold whatever the umask is.
      await handle.chmod(0o600);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

export function keygenCommand(deps: KeygenDeps = processKeygenDeps): Command {
  return {
    name: 'keygen',
    summary: 'make a new cluster key file (once, on one node; then copy it to the others)',
    usage: USAGE,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const parsed = parseArgs(args, []);
      expectPositionals(parsed, 0, 1, '[FILE]');
      const file = parsed.positionals[0] ?? DEFAULT_KEY_FILE;
      const key = deps.randomBytes(NEW_KEY_BYTES);
      try {
        await deps.createSecretFile(file, key);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const advice = code === 'EEXIST'
          ? 'exists already, and keygen never replaces a key (the other nodes may share it): copy the key of the first node here, or delete this file first'
          : `cannot be created (${code ?? String(error)}): does its directory exist, and are you root?`;
        io.stderr(`floatip keygen: ${file} ${advice}\n`);
        return EXIT_FAILED;
      }
      const fingerprint = createHash('sha256').update(key).digest('hex');
      io.stdout(`wrote ${file} (${NEW_KEY_BYTES} bytes, mode 0600)\nsha256 ${fingerprint}\n`
        + `copy this file to every other node; \`sha256sum ${file}\` must print the same there\n`);
      return EXIT_OK;
    },
  };
}
