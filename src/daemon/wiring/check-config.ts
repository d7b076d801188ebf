// `floatipd --check-config`: loads floatip.toml, nodes and public_addresses as a start would, and says whether they are valid.
//
// systemd's ExecReload runs it before sending SIGHUP, so `systemctl reload` with a broken file
// fails loudly with the loader's FILE:LINE messages instead of leaving the daemon to log and
// keep its old configuration. It checks only the files: nothing of the kernel (which node this
// is, the interfaces) and not the cluster key, which the daemon reads when it starts.

import { formatIssue, loadConfig, ReadTextFile } from '../../config';
import { EXIT } from './floatipd';

export interface CheckConfigIo {
  readonly readFile: ReadTextFile;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** 0 when the configuration would load (warnings go to stderr), 2 with every problem on stderr otherwise. */
export async function checkConfig(configPath: string, io: CheckConfigIo): Promise<number> {
  const loaded = await loadConfig({ tomlPath: configPath }, io.readFile);
  for (const warning of loaded.warnings) io.stderr(`floatipd: warning: ${formatIssue(warning)}\n`);
  if (!loaded.ok) {
    const lines = loaded.issues.map((issue) => `  ${formatIssue(issue)}\n`).join('');
    io.stderr(`floatipd: ${configPath}: ${loaded.issues.length} problem(s), the configuration is not valid:\n${lines}`);
    return EXIT.config;
  }
  const { nodes, public_addresses: addresses } = loaded.config;
  io.stdout(`floatipd: ${configPath}: valid (${nodes.length} node(s), ${addresses.length} public address(es))\n`);
  return EXIT.ok;
}
