// `floatipd --check-config`: checks floatip.toml, nodes, public_addresses, the key file and script.options as a start would.
//
// systemd's ExecReload runs it before sending SIGHUP, so `systemctl reload` with a broken file
// fails loudly with the loader's FILE:LINE messages instead of leaving the daemon to log and
// keep its old configuration. The checks themselves are config/check.ts, shared with
// `floatip config check`; this is the daemon's front end with its real key loader.

import { stat } from 'node:fs/promises';
import { ReadTextFile } from '../../config';
import { checkConfigFiles, ConfigCheckIo, formatConfigCheck } from '../../config/check';
import { EXIT } from './floatipd';

export interface CheckConfigIo {
  readonly readFile: ReadTextFile;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The check floatipd's start makes of cluster.key_file (adapters/peer's checkClusterKeyFile). */
  readonly checkClusterKey: ConfigCheckIo['checkClusterKey'];
  /** Owner and mode of script.options. @default node:fs stat */
  readonly statFile?: ConfigCheckIo['statFile'];
}

/** 0 when the configuration would load (warnings go to stderr), 2 with every problem on stderr otherwise. */
export async function checkConfig(configPath: string, io: CheckConfigIo): Promise<number> {
  const check = await checkConfigFiles(configPath, {
    readFile: io.readFile,
    statFile: io.statFile ?? stat,
    checkClusterKey: io.checkClusterKey,
  });
  const report = formatConfigCheck('floatipd', configPath, check);
  if (report.stderr !== '') io.stderr(report.stderr);
  if (report.stdout !== '') io.stdout(report.stdout);
  return check.issues.length > 0 ? EXIT.config : EXIT.ok;
}
