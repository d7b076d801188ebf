// Checks script.options, the shell `KEY=value` file the shipped event scripts source as root.
//
// floatipd itself never reads this file: a root shell sources it before each script, so a line
// the shell would run as a command (`FOO=a b` runs `b`), a misspelt key the scripts silently
// ignore, or a file others can write are found here, by `floatipd --check-config` and
// `floatip config check`, rather than at 3 a.m. by a failing monitor.

import { dirname, join } from 'node:path';
import { ConfigIssue } from './issues';
import { closestName } from './suggest';

/** script.options sits beside floatip.toml: the daemon gives scripts FLOATIP_SCRIPT_OPTIONS = this path. */
export function scriptOptionsPathOf(tomlPath: string): string {
  return join(dirname(tomlPath), 'script.options');
}

/**
 * The keys the shipped scripts (events.d) read from script.options; a test keeps this list equal
 * to the FLOATIP_ names in events.d that the daemon does not set itself.
 */
export const SCRIPT_OPTION_KEYS: readonly string[] = [
  'FLOATIP_INTERFACES', 'FLOATIP_MANAGES_SAMBA', 'FLOATIP_MANAGES_WINBIND', 'FLOATIP_MONITOR_FILESYSTEM_USAGE',
  'FLOATIP_MONITOR_MEMORY_USAGE', 'FLOATIP_NFS_CHECKS', 'FLOATIP_NFS_NOTIFY', 'FLOATIP_NFS_STATD_RESTART',
  'FLOATIP_NFS_STATE_DIR', 'FLOATIP_NOTIFY_DIR', 'FLOATIP_NOTIFY_TIMEOUT', 'FLOATIP_PARTIALLY_ONLINE_INTERFACES',
  'FLOATIP_REQUIRED_CONFIG', 'FLOATIP_SAMBA_CHECK_SHARES', 'FLOATIP_SAMBA_CONF', 'FLOATIP_SAMBA_PORTS',
  'FLOATIP_SAMBA_START', 'FLOATIP_SAMBA_START_WAIT', 'FLOATIP_SAMBA_STOP', 'FLOATIP_SYSFS', 'FLOATIP_WINBIND_START', 'FLOATIP_WINBIND_STOP',
];

const ASSIGNMENT = /^(export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** Where a shell word that starts the value ends, or why it is not one plain word: quotes must close on the line. */
function valueProblem(value: string): string | undefined {
  let k = 0;
  while (k < value.length) {
    const c = value[k];
    if (c === '\\') { k += 2; continue; }
    if (c === "'" || c === '"') {
      let end = k + 1;
      while (end < value.length && value[end] !== c) end += c === '"' && value[end] === '\\' ? 2 : 1;
      if (end >= value.length) return `the ${c === '"' ? 'double' : 'single'} quote is not closed on this line: close it`;
      k = end + 1;
      continue;
    }
    if (/\s/.test(c)) {
      const rest = value.slice(k).trim();
      if (rest === '' || rest.startsWith('#')) return undefined;
      return `the value has an unquoted space, so the shell would run "${rest}" as a command: quote the value ("...")`;
    }
    if (';&|<>`'.includes(c) || value.startsWith('$(', k)) {
      return `the value holds "${c === '$' ? '$(' : c}" outside quotes, which the shell would run: quote the value ('...')`;
    }
    k += 1;
  }
  return undefined;
}

/**
 * Problems of script.options' text: `issues` the shell would misread, `warnings` for
 * FLOATIP_ keys no shipped script reads (a typo; other keys may be for CTDB's own scripts).
 */
export function readScriptOptionsFile(text: string, file: string): { issues: ConfigIssue[]; warnings: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = ASSIGNMENT.exec(trimmed);
    if (!match) {
      issues.push({ code: 'E_SCRIPT_OPTIONS', file, line,
        message: 'not a KEY=value line (no spaces around =); the file is sourced by a shell: write KEY=value or comment the line out with #' });
      return;
    }
    const [, , key, value] = match;
    const problem = valueProblem(value);
    if (problem !== undefined) issues.push({ code: 'E_SCRIPT_OPTIONS', file, line, key, message: problem });
    if (key.startsWith('FLOATIP_') && !SCRIPT_OPTION_KEYS.includes(key)) {
      const near = closestName(key, SCRIPT_OPTION_KEYS);
      warnings.push({ code: 'W_SCRIPT_OPTIONS', file, line, key,
        message: `no shipped script reads ${key}${near ? `: did you mean ${near}?` : ' (events.d/README.md lists the settings)'}` });
    }
  });
  return { issues, warnings };
}

/** What the owner check needs to know of the file. */
export interface FileOwnership {
  readonly uid: number;
  /** st_mode, permission bits included. */
  readonly mode: number;
}

/** A root shell sources the file, so whoever can write it runs commands as root. */
export function scriptOptionsOwnershipProblem(file: string, facts: FileOwnership): ConfigIssue | undefined {
  if (facts.uid !== 0) {
    return { code: 'E_SCRIPT_OPTIONS', file, message: `is owned by uid ${facts.uid}, who could run commands as root through it: run \`chown root ${file}\`` };
  }
  if ((facts.mode & 0o022) !== 0) {
    const mode = (facts.mode & 0o777).toString(8).padStart(4, '0');
    return { code: 'E_SCRIPT_OPTIONS', file, message: `has mode ${mode}, so others can write commands a root shell runs: run \`chmod go-w ${file}\`` };
  }
  return undefined;
}
