// The few settings the CLI reads from this node's floatip.toml ($FLOATIP_CONFIG or /etc/floatip/floatip.toml).

import { defaults, formatIssue } from '../config';
import { FloatipSettings } from '../config/schema';
import { readSettings } from '../config/settings';
import { UsageError } from '../client/usage-error';

export const DEFAULT_CONFIG_PATH = '/etc/floatip/floatip.toml';

export interface LocalSettingsSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads floatip.toml; rejects with a Node error (code ENOENT when it is missing). */
  readonly readFile: (path: string) => Promise<string>;
  /** Prints one warning line (without the newline) on stderr. */
  readonly warn?: (line: string) => void;
}

export interface LocalSettings {
  readonly settings: FloatipSettings;
  /** The file read, or undefined when all settings are defaults (no default file, or one that is not TOML). */
  readonly configPath: string | undefined;
}

/**
 * Reads floatip.toml for the keys under `prefix` only: a problem elsewhere in
 * the file is the daemon's to report, so it does not stop `floatip status`. A
 * file that is not TOML at all cannot say what `prefix` holds: the CLI goes on
 * with the defaults and warns once with the file:line, naming what it uses
 * (`using`, e.g. "the default socket /run/floatip/control.sock").
 */
export async function readLocalSettings(
  sources: LocalSettingsSources, prefix: string, fix: string, using: (settings: FloatipSettings) => string,
): Promise<LocalSettings> {
  const explicitPath = sources.env.FLOATIP_CONFIG;
  const configPath = explicitPath || DEFAULT_CONFIG_PATH;
  let text: string;
  try {
    text = await sources.readFile(configPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicitPath) return { settings: defaults, configPath: undefined };
    throw new UsageError(`cannot read ${configPath} (${(err as Error).message}): fix FLOATIP_CONFIG, or ${fix}`);
  }
  const reading = readSettings(text, configPath);
  const syntax = reading.issues.find((i) => i.code === 'E_CONFIG_SYNTAX');
  if (syntax !== undefined) {
    sources.warn?.(`warning: ${formatIssue(syntax)}; using ${using(defaults)} (fix the file, or ${fix})`);
    return { settings: defaults, configPath: undefined };
  }
  const issue = reading.issues.find((i) => i.key === prefix || i.key?.startsWith(`${prefix}.`));
  if (issue !== undefined) throw new UsageError(`${formatIssue(issue)}\n(fix the file, or ${fix})`);
  return { settings: reading.settings, configPath };
}
