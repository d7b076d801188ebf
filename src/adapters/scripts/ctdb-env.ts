// CTDB's script environment under floatipd: a CTDB_BASE laid out as CTDB lays it out, the helpers, the `ctdb` stand-in, the variables.
//
// CTDB's legacy scripts source "$CTDB_BASE/functions", read "$CTDB_BASE/script.options",
// public_addresses and nodes, call "$CTDB" (default /usr/bin/ctdb) and plain `ctdb`, and run
// helpers from $CTDB_HELPER_BINDIR. floatipd builds all of that in one directory it owns
// (beside its control socket) at every start, so nothing of a real CTDB installation is touched:
// /usr/bin/ctdb stays CTDB's, and the stand-in is first on the scripts' PATH only.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CTDB_FUNCTIONS } from './ctdb-functions';
import { CONFIG_HELPER, CTDB_SHIM, KILLTCP_HELPER } from './ctdb-shim';

/** Where an installed ctdb package keeps what CTDB's scripts use. */
export interface CtdbInstallation {
  /** CTDB's configuration directory: functions, ctdb.conf, nfs-checks.d ... @default '/etc/ctdb' */
  readonly etcDir: string;
  /** CTDB's helpers: ctdb-config, ctdb_natgw, ctdb_lvs ... @default '/usr/libexec/ctdb' */
  readonly helperDir: string;
}

export const DEBIAN_CTDB: CtdbInstallation = { etcDir: '/etc/ctdb', helperDir: '/usr/libexec/ctdb' };

export interface CtdbLayoutOptions {
  /** The directory floatipd owns for it, e.g. /run/floatip/ctdb; emptied and rebuilt at start. */
  readonly root: string;
  /** floatip's events directory: CTDB_BASE/events/legacy points there. */
  readonly eventsDir: string;
  /** floatip's nodes, public_addresses and script.options. */
  readonly nodesFile: string;
  readonly publicAddressesFile: string;
  readonly scriptOptionsFile: string;
  /** floatipd's control socket, which the stand-in asks. */
  readonly controlSocket: string;
  /** This node: what CTDB's functions cache as my-pnn and my-ip-address (see seedCachedAnswers). */
  readonly node: { readonly pnn: number; readonly address: string | undefined };
  readonly installation?: CtdbInstallation;
}

export interface CtdbLayout {
  readonly base: string;
  readonly bin: string;
  readonly helpers: string;
  readonly scriptVarDir: string;
  /** True when CTDB's own functions file is used; false: floatip's compatible one (ctdb-functions.ts). */
  readonly ctdbFunctions: boolean;
}

/** The directory names under the root; the root itself defaults to `ctdb` beside the control socket. */
export function ctdbLayoutPaths(root: string): Omit<CtdbLayout, 'ctdbFunctions'> {
  return { base: path.join(root, 'base'), bin: path.join(root, 'bin'), helpers: path.join(root, 'helpers'), scriptVarDir: path.join(root, 'scripts') };
}

export function defaultCtdbRoot(controlSocket: string): string {
  return path.join(path.dirname(controlSocket), 'ctdb');
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

async function writeExecutable(file: string, text: string): Promise<void> {
  await fs.writeFile(file, text, { mode: 0o755 });
  await fs.chmod(file, 0o755);
}

/** What of CTDB's own files floatip provides itself in CTDB_BASE: the rest of /etc/ctdb is linked as it is. */
const PROVIDED = new Set(['functions', 'nodes', 'public_addresses', 'script.options', 'events']);
/** CTDB's helpers that are plain clients of `ctdb` (or read only ctdb.conf) and so work with the stand-in. */
const LINKED_HELPERS = ['ctdb-config', 'ctdb_natgw', 'ctdb_lvs'];

/**
 * CTDB's functions cache two answers in CTDB_SCRIPT_VARDIR the first time a script asks:
 * `ctdb_get_pnn` runs `$CTDB pnn >my-pnn` and `ctdb_get_ip_address` writes my-ip-address the
 * same way, and each only if the file does not exist. The shell creates the file before `ctdb`
 * answers, so a script killed in between (a monitor event cancelled by a takeover run, or
 * timed out) leaves it empty, and every later run reads the empty answer: in a CI run a probe
 * of `ctdb-scripts.test.ts` saw `pnn=` and no addresses of its own. floatipd knows both
 * answers before any script runs, so it writes them itself (as the helpers would: one line).
 */
async function seedCachedAnswers(scriptVarDir: string, node: CtdbLayoutOptions['node']): Promise<void> {
  await fs.writeFile(path.join(scriptVarDir, 'my-pnn'), `${node.pnn}\n`, { mode: 0o644 });
  // Without a known address the helper asks `ctdb` as under CTDB: an empty file would be the very fault.
  if (node.address !== undefined) await fs.writeFile(path.join(scriptVarDir, 'my-ip-address'), `${node.address}\n`, { mode: 0o644 });
}

/**
 * Builds the directory. Safe to call at every start: the old one is removed first, so a
 * cached `my-pnn` in CTDB_SCRIPT_VARDIR never outlives a renumbering; the caches are then
 * written with this node's answers (seedCachedAnswers).
 */
export async function prepareCtdbLayout(options: CtdbLayoutOptions): Promise<CtdbLayout> {
  const installation = options.installation ?? DEBIAN_CTDB;
  const paths = ctdbLayoutPaths(options.root);
  await fs.rm(options.root, { recursive: true, force: true });
  for (const dir of [options.root, paths.base, paths.bin, paths.helpers, paths.scriptVarDir, path.join(paths.base, 'events')]) {
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  }
  await seedCachedAnswers(paths.scriptVarDir, options.node);
  await writeExecutable(path.join(paths.bin, 'ctdb'), CTDB_SHIM);
  await writeExecutable(path.join(paths.helpers, 'ctdb_killtcp'), KILLTCP_HELPER);
  for (const helper of LINKED_HELPERS) {
    const installed = path.join(installation.helperDir, helper);
    if (await exists(installed)) await fs.symlink(installed, path.join(paths.helpers, helper));
    else if (helper === 'ctdb-config') await writeExecutable(path.join(paths.helpers, helper), CONFIG_HELPER);
  }

  const ctdbFunctions = await exists(path.join(installation.etcDir, 'functions'));
  if (ctdbFunctions) await fs.symlink(path.join(installation.etcDir, 'functions'), path.join(paths.base, 'functions'));
  else await fs.writeFile(path.join(paths.base, 'functions'), CTDB_FUNCTIONS, { mode: 0o644 });
  await fs.symlink(options.nodesFile, path.join(paths.base, 'nodes'));
  await fs.symlink(options.publicAddressesFile, path.join(paths.base, 'public_addresses'));
  await fs.symlink(options.scriptOptionsFile, path.join(paths.base, 'script.options'));
  await fs.symlink(path.resolve(options.eventsDir), path.join(paths.base, 'events', 'legacy'));
  // nfs-checks.d, statd-callout, natgw_nodes, per_ip_routing.conf ...: CTDB's own files, as the admin left them.
  const etc = await fs.readdir(installation.etcDir).catch(() => [] as string[]);
  for (const name of etc) {
    if (!PROVIDED.has(name)) await fs.symlink(path.join(installation.etcDir, name), path.join(paths.base, name));
  }
  return { ...paths, ctdbFunctions };
}

/** The variables CTDB's scripts read, on top of floatip's own; PATH starts with the stand-in's directory. */
export function ctdbEnvironment(layout: Omit<CtdbLayout, 'ctdbFunctions'>, controlSocket: string, inheritedPath: string | undefined): Record<string, string> {
  return {
    CTDB_BASE: layout.base,
    CTDB_SCRIPT_VARDIR: layout.scriptVarDir,
    CTDB_HELPER_BINDIR: layout.helpers,
    CTDB: path.join(layout.bin, 'ctdb'),
    // What the scripts log themselves (script_log, background_with_logging): not /var/log/ctdb/log.ctdb,
    // which belongs to a ctdbd that may still run beside floatipd for clustered Samba.
    CTDB_LOGGING: `file:${path.join(path.dirname(layout.base), 'log.ctdb')}`,
    FLOATIP_SOCKET: controlSocket,
    PATH: `${layout.bin}:${inheritedPath ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'}`,
  };
}
