// Checks a node's configuration as a start would, plus what only the scripts read: one checker for `floatipd --check-config` and `floatip config check`.
//
// It checks files only: floatip.toml, nodes, public_addresses (the loader's rules), the cluster
// key file (the daemon's own rules, given as `loadClusterKey`), and script.options. Nothing of
// the kernel (which node this is, the interfaces) and no running daemon.

import { ConfigIssue, formatIssue } from './issues';
import { loadConfig, ReadTextFile } from './load';
import { FileOwnership, readScriptOptionsFile, scriptOptionsOwnershipProblem, scriptOptionsPathOf } from './script-options-file';

export interface ConfigCheckIo {
  readonly readFile: ReadTextFile;
  /** Owner and mode of a file; rejects with a Node-style error (`code: 'ENOENT'`) when it cannot. */
  readonly statFile: (path: string) => Promise<FileOwnership>;
  /** Checks the cluster key file as floatipd reads it at start (adapters/peer's checkClusterKeyFile): why not usable, or undefined. */
  readonly checkClusterKey: (file: string) => Promise<{ readonly message: string } | undefined>;
}

export interface ConfigCheck {
  readonly issues: readonly ConfigIssue[];
  readonly warnings: readonly ConfigIssue[];
  /** Set when the three loaded files are valid. */
  readonly counts?: { readonly nodes: number; readonly addresses: number };
}

function keyIssue(file: string, problem: { readonly message: string }): ConfigIssue {
  // The daemon's key errors start with the file name; formatIssue puts it in front already.
  const message = problem.message.startsWith(`${file}: `) ? problem.message.slice(file.length + 2) : problem.message;
  return { code: 'E_KEY_FILE', file, key: 'cluster.key_file', message: `${message}; floatipd would not start with it` };
}

async function checkScriptOptions(file: string, io: ConfigCheckIo): Promise<{ issues: ConfigIssue[]; warnings: ConfigIssue[] }> {
  let facts: FileOwnership;
  try {
    facts = await io.statFile(file);
  } catch (error) {
    // Every setting has a default: no file is a valid choice.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { issues: [], warnings: [] };
    return { issues: [{ code: 'E_CONFIG_FILE_UNREADABLE', file, message: `cannot read it (${(error as Error).message})` }], warnings: [] };
  }
  const owner = scriptOptionsOwnershipProblem(file, facts);
  let text: string;
  try {
    text = await io.readFile(file);
  } catch (error) {
    const unreadable: ConfigIssue = { code: 'E_CONFIG_FILE_UNREADABLE', file, message: `cannot read it (${(error as Error).message}): the event scripts run as root` };
    return { issues: owner ? [owner, unreadable] : [unreadable], warnings: [] };
  }
  const read = readScriptOptionsFile(text, file);
  return { issues: owner ? [owner, ...read.issues] : read.issues, warnings: read.warnings };
}

/** Every problem of the configuration under `tomlPath`; no issues means a start would accept it. */
export async function checkConfigFiles(tomlPath: string, io: ConfigCheckIo): Promise<ConfigCheck> {
  const loaded = await loadConfig({ tomlPath }, io.readFile);
  const script = await checkScriptOptions(scriptOptionsPathOf(tomlPath), io);
  const warnings = [...loaded.warnings, ...script.warnings];
  if (!loaded.ok) return { issues: [...loaded.issues, ...script.issues], warnings };
  const keyFile = loaded.config.cluster.key_file;
  const keyProblem = await io.checkClusterKey(keyFile);
  const key = keyProblem === undefined ? [] : [keyIssue(keyFile, keyProblem)];
  const issues = [...key, ...script.issues];
  return { issues, warnings, counts: { nodes: loaded.config.nodes.length, addresses: loaded.config.public_addresses.length } };
}

/** The report both commands print: warnings and problems to stderr, one summary line to stdout when valid. */
export function formatConfigCheck(program: string, tomlPath: string, check: ConfigCheck): { stdout: string; stderr: string } {
  const warnings = check.warnings.map((warning) => `${program}: warning: ${formatIssue(warning)}\n`).join('');
  if (check.issues.length > 0) {
    const lines = check.issues.map((issue) => `  ${formatIssue(issue)}\n`).join('');
    return { stdout: '', stderr: `${warnings}${program}: ${tomlPath}: ${check.issues.length} problem(s), the configuration is not valid:\n${lines}` };
  }
  const counts = check.counts === undefined ? '' : ` (${check.counts.nodes} node(s), ${check.counts.addresses} public address(es))`;
  return { stdout: `${program}: ${tomlPath}: valid${counts}\n`, stderr: warnings };
}
