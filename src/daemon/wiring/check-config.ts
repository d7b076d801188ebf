// `floatipd --check-config`: loads floatip.toml, nodes and public_addresses as a start would, and says whether they are valid.
//
// systemd's ExecReload runs it before sending SIGHUP, so `systemctl reload` with a broken file
// fails loudly with the loader's FILE:LINE messages instead of leaving the daemon to log and
// keep its old configuration. It also checks cluster.key_file as a start reads it (present,
// mode 0600 or stricter, owned by root, long enough): a reload that would leave a key floatipd
// cannot start with is refused before the SIGHUP. Nothing of the kernel (which node this is,
// the interfaces): the daemon checks those, and warns, when it loads the files.

import { formatIssue, loadConfig, ReadTextFile } from '../../config';
import { ClusterKeyCheck } from './cluster-key-check';
import { EXIT } from './floatipd';

export interface CheckConfigIo {
  readonly readFile: ReadTextFile;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The check floatipd's start makes of cluster.key_file (checkClusterKeyFile). */
  readonly checkClusterKey: ClusterKeyCheck;
}

/** 0 when the configuration would load and the key file is usable (warnings go to stderr), 2 with every problem on stderr otherwise. */
export async function checkConfig(configPath: string, io: CheckConfigIo): Promise<number> {
  const loaded = await loadConfig({ tomlPath: configPath }, io.readFile);
  for (const warning of loaded.warnings) io.stderr(`floatipd: warning: ${formatIssue(warning)}\n`);
  if (!loaded.ok) {
    const lines = loaded.issues.map((issue) => `  ${formatIssue(issue)}\n`).join('');
    io.stderr(`floatipd: ${configPath}: ${loaded.issues.length} problem(s), the configuration is not valid:\n${lines}`);
    return EXIT.config;
  }
  const { nodes, public_addresses: addresses, cluster } = loaded.config;
  const keyProblem = await io.checkClusterKey(cluster.key_file);
  if (keyProblem !== undefined) {
    io.stderr(`floatipd: ${configPath}: cluster.key_file: ${keyProblem.message}; floatipd would not start with it, the configuration is not valid\n`);
    return EXIT.config;
  }
  io.stdout(`floatipd: ${configPath}: valid (${nodes.length} node(s), ${addresses.length} public address(es))\n`);
  return EXIT.ok;
}
