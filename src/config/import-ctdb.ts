// CTDB's configuration (ctdb.conf, ctdb.tunables, script.options) as floatip.toml text: each
// setting with the CTDB line it came from, and the CTDB settings floatip has no counterpart for.
//
// Pure: file texts in, text out (the CLI command reads and writes the files). What it writes is
// checked with floatip's own settings reader and rules before it is returned, so floatipd accepts
// it; a value floatip refuses is listed as not carried over, with floatip's reason.

import { checkRules } from './cross-checks';
import { formatDuration } from './duration';
import { readSettings } from './settings';

/** The texts of CTDB's files; a missing file is undefined. */
export interface CtdbFiles {
  /** ctdb.conf(5): Samba-style `[section]` and `key = value` lines. */
  readonly conf?: string;
  /** ctdb.tunables (CTDB 4.9+): `Name=value` lines. */
  readonly tunables?: string;
  /** script.options: shell variables for the event scripts. */
  readonly scriptOptions?: string;
  /** Where the files are, for the header comment (e.g. /etc/ctdb). */
  readonly dir: string;
}

/** One CTDB setting that floatip.toml does not carry. */
export interface UnmappedSetting {
  /** `ctdb.conf:12`: file name and line. */
  readonly where: string;
  /** The setting as written there, e.g. `[logging] location = syslog`. */
  readonly setting: string;
  readonly reason: string;
}

export interface CtdbImport {
  readonly toml: string;
  /** floatip.toml keys written, dotted (`timing.dead_after`). */
  readonly written: readonly string[];
  readonly unmapped: readonly UnmappedSetting[];
}

/** One CTDB setting as read: where, what, and its value. */
interface Source {
  readonly where: string;
  readonly setting: string;
  readonly value: string;
}

/** A floatip.toml line to write. `value` is a TOML literal. */
interface Output {
  readonly table: string;
  readonly key: string;
  readonly value: string;
  readonly comment: string;
  readonly from: Source;
}

type Mapped = { readonly outputs: readonly Omit<Output, 'from'>[] } | { readonly reason: string };

const SECOND = 1000;
const toml = (text: string): string => JSON.stringify(text);
const seconds = (s: number): string => toml(formatDuration(s * SECOND));

function wholeNumber(text: string): number | undefined {
  return /^[0-9]{1,9}$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

/** Samba-style booleans (ctdb.conf) as CTDB reads them. */
function sambaBoolean(text: string): boolean | undefined {
  const word = text.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(word)) return true;
  if (['false', 'no', 'off', '0'].includes(word)) return false;
  return undefined;
}

const NO_DATABASES = 'floatip keeps no databases (only public addresses move); keep ctdbd for clustered Samba';

/** CTDB log levels (ctdb(7) LOG LEVELS) to floatip's; floatip has no NOTICE. */
const LOG_LEVELS: ReadonlyMap<string, string> = new Map([
  ['err', 'error'], ['error', 'error'], ['warning', 'warn'], ['notice', 'info'], ['info', 'info'], ['debug', 'debug'],
]);

/**
 * ctdb.conf options by `section/option` (CTDB 4.17's ctdb.conf(5)). Each row maps a value to
 * floatip.toml lines, or says why there is no counterpart.
 */
const CONF_RULES: ReadonlyMap<string, (value: string) => Mapped> = new Map<string, (value: string) => Mapped>([
  ['logging/log level', (v) => {
    const level = LOG_LEVELS.get(v.trim().toLowerCase());
    return level ? { outputs: [{ table: 'log', key: 'level', value: toml(level), comment: level === 'info' && /notice/i.test(v) ? 'floatip has no NOTICE: info' : '' }] }
      : { reason: `log level ${v} is not one of ERROR, WARNING, NOTICE, INFO, DEBUG` };
  }],
  ['logging/location', () => ({ reason: 'floatipd writes JSON log lines to standard output (the journal under systemd)' })],
  ['cluster/cluster lock', clusterLock],
  ['cluster/recovery lock', clusterLock],
  ['cluster/node address', (v) => ({ outputs: [{ table: 'node', key: 'address', value: toml(v.trim()), comment: 'differs per node, as in CTDB' }] })],
  ['cluster/leader capability', () => ({ reason: 'every active node may lead; floatip has no remote (non-leader) nodes' })],
  ['cluster/recmaster capability', () => ({ reason: 'every active node may lead; floatip has no remote (non-leader) nodes' })],
  ['cluster/leader timeout', () => ({ reason: 'floatip elects no leader: the lowest-numbered active node of the quorate partition leads, as soon as it is dead_after silent' })],
  ['cluster/transport', (v) => ({ reason: v.trim().toLowerCase() === 'tcp' ? 'floatip\'s peer mesh is always TCP (node.port, default 4390)' : 'floatip\'s peer mesh is TCP only' })],
  ['database/volatile database directory', () => ({ reason: NO_DATABASES })],
  ['database/persistent database directory', () => ({ reason: NO_DATABASES })],
  ['database/state database directory', () => ({ reason: NO_DATABASES })],
  ['database/tdb mutexes', () => ({ reason: NO_DATABASES })],
  ['database/lock debug script', () => ({ reason: NO_DATABASES })],
  ['event/debug script', () => ({ reason: 'no counterpart: a timed-out event is reported by `floatip event status`' })],
  ['failover/disabled', (v) => {
    const off = sambaBoolean(v);
    if (off === false) return { outputs: [] };
    return { reason: 'floatip\'s only job is failover: with failover disabled, keep ctdbd and do not run floatipd' };
  }],
  ['legacy/ctdb start as stopped', () => ({ reason: 'no counterpart: run `floatip stop` after the start' })],
  ['legacy/start as disabled', () => ({ reason: 'no counterpart: run `floatip disable` after the start' })],
  ['legacy/realtime scheduling', () => ({ reason: 'no counterpart: floatipd runs at normal priority, its guardian keeps the safety timing' })],
  ['legacy/lmaster capability', () => ({ reason: NO_DATABASES })],
  ['legacy/script log level', () => ({ reason: 'no counterpart: event script output is logged at info' })],
]);

/** `cluster lock`: the same forms in floatip; only the partition holding it may serve, as in CTDB. */
function clusterLock(value: string): Mapped {
  const lock = value.trim();
  return {
    outputs: [
      { table: 'cluster', key: 'cluster_lock', value: toml(lock), comment: 'if ctdbd keeps running for Samba, give floatip a lock file of its own' },
      { table: 'cluster', key: 'quorum', value: toml('lock'), comment: 'CTDB lets only the partition holding the lock serve' },
    ],
  };
}

/** CTDB's defaults of the tunables that are read together (ctdb-tunables(7)). */
const KEEPALIVE_INTERVAL_DEFAULT = 5;
const KEEPALIVE_LIMIT_DEFAULT = 5;
/** fence_after as a share of dead_after, as in floatip's timing profiles (700 of 1000 ms). */
const FENCE_SHARE = 0.7;
/** takeover_deadline's default, and how much longer than dead_after it is made when dead_after reaches it. */
const TAKEOVER_DEADLINE_MS = 5 * SECOND;

const ALGORITHMS: readonly string[] = ['deterministic', 'nondeterministic', 'lcp2'];

/** Tunables by lower-case name (CTDB compares them so). KeepaliveInterval/Limit are handled as a pair. */
const TUNABLE_RULES: ReadonlyMap<string, (value: number) => Mapped> = new Map<string, (value: number) => Mapped>([
  ['noipfailback', (n) => ({ outputs: [{ table: 'ipalloc', key: 'no_ip_failback', value: String(n !== 0), comment: '' }] })],
  ['noiptakeover', (n) => ({ outputs: [{ table: 'ipalloc', key: 'no_ip_takeover', value: String(n !== 0), comment: '' }] })],
  ['ipallocalgorithm', (n) => (n < ALGORITHMS.length
    ? { outputs: [{ table: 'ipalloc', key: 'algorithm', value: toml(ALGORITHMS[n]), comment: '0 deterministic, 1 non-deterministic, 2 LCP2' }] }
    : { reason: `IPAllocAlgorithm ${n} is none of 0 (deterministic), 1 (non-deterministic), 2 (LCP2)` })],
  ['monitorinterval', (n) => ({ outputs: [{ table: 'events', key: 'monitor_schedule', value: seconds(n), comment: '' }] })],
  ['eventscripttimeout', (n) => ({ outputs: [{ table: 'events', key: 'default_timeout', value: seconds(n), comment: 'takeip and releaseip keep their own, shorter, timeouts' }] })],
  ['monitortimeoutcount', (n) => ({ outputs: [{ table: 'events', key: 'monitor_timeouts_before_failure', value: String(n), comment: '' }] })],
  ['enablebans', (n) => ({ outputs: [{ table: 'ban', key: 'enabled', value: String(n !== 0), comment: '' }] })],
  ['recoverybanperiod', (n) => ({ outputs: [{ table: 'ban', key: 'period', value: seconds(n), comment: '' }] })],
  ['recoverygraceperiod', (n) => ({ outputs: [{ table: 'ban', key: 'grace_period', value: seconds(n), comment: '' }] })],
  ['takeovertimeout', () => ({ reason: 'CTDB\'s timeout of each takeover control; floatip has one deadline per run (timing.takeover_deadline)' })],
]);

/**
 * KeepaliveInterval and KeepaliveLimit: CTDB counts a node as gone after Limit intervals without
 * a keepalive. floatip sends a heartbeat every interval and a peer is dead after Interval x Limit.
 * fence_after must lie between them (a node that lost quorum must have let go of its addresses
 * before the others take them), and takeover_deadline must be longer than dead_after.
 */
function keepalive(interval: number, limit: number): Mapped {
  if (interval === 0 || limit === 0) return { reason: 'an interval or limit of 0 has no floatip counterpart: heartbeats never stop' };
  const heartbeatMs = interval * SECOND;
  const deadMs = interval * limit * SECOND;
  const fenceMs = Math.round(deadMs * FENCE_SHARE);
  if (!(heartbeatMs < fenceMs)) {
    return { reason: `floatip needs fence_after (here ${formatDuration(fenceMs)}, ${FENCE_SHARE} x dead_after) above heartbeat_interval: `
      + 'raise KeepaliveLimit to 2 or more' };
  }
  const source = `${interval} s x ${limit}`;
  const outputs: Omit<Output, 'from'>[] = [
    { table: 'timing', key: 'heartbeat_interval', value: toml(formatDuration(heartbeatMs)), comment: 'one heartbeat per KeepaliveInterval' },
    { table: 'timing', key: 'dead_after', value: toml(formatDuration(deadMs)), comment: `KeepaliveInterval x KeepaliveLimit (${source})` },
    { table: 'timing', key: 'fence_after', value: toml(formatDuration(fenceMs)), comment: `${FENCE_SHARE} x dead_after: must be shorter than dead_after` },
  ];
  if (deadMs >= TAKEOVER_DEADLINE_MS) {
    outputs.push({ table: 'timing', key: 'takeover_deadline', value: toml(formatDuration(deadMs + TAKEOVER_DEADLINE_MS)), comment: 'must be longer than dead_after' });
  }
  return { outputs };
}

interface Parsed {
  readonly outputs: Output[];
  readonly unmapped: UnmappedSetting[];
}

function apply(source: Source, mapped: Mapped, into: Parsed): void {
  if ('reason' in mapped) into.unmapped.push({ where: source.where, setting: source.setting, reason: mapped.reason });
  else into.outputs.push(...mapped.outputs.map((o) => ({ ...o, from: source })));
}

/** Lines that carry something: not blank, not a comment (`#`, or `;` in ctdb.conf). */
function settingLines(text: string, comment: RegExp): Array<{ line: number; text: string }> {
  return text.split('\n').map((t, i) => ({ line: i + 1, text: t.replace(/\r$/, '').trim() })).filter((l) => l.text !== '' && !comment.test(l.text));
}

function readConf(text: string, into: Parsed): void {
  let section = '';
  for (const { line, text: t } of settingLines(text, /^[#;]/)) {
    const where = `ctdb.conf:${line}`;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(t);
    if (header) {
      section = header[1].toLowerCase();
      continue;
    }
    const eq = t.indexOf('=');
    if (eq < 0) {
      into.unmapped.push({ where, setting: t, reason: 'not a `key = value` line' });
      continue;
    }
    const name = t.slice(0, eq).trim().replace(/\s+/g, ' ').toLowerCase();
    const value = t.slice(eq + 1).trim();
    const source = { where, setting: `[${section}] ${name} = ${value}`, value };
    const rule = CONF_RULES.get(`${section}/${name}`);
    apply(source, rule ? rule(value) : { reason: 'not an option of ctdb.conf(5) (CTDB 4.17): check its spelling and section' }, into);
  }
}

function readTunables(text: string, into: Parsed): void {
  let interval: Source | undefined;
  let limit: Source | undefined;
  for (const { line, text: t } of settingLines(text, /^#/)) {
    const where = `ctdb.tunables:${line}`;
    const m = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(t);
    if (!m) {
      into.unmapped.push({ where, setting: t, reason: 'not a `Name=value` line' });
      continue;
    }
    const source = { where, setting: `${m[1]}=${m[2]}`, value: m[2] };
    const name = m[1].toLowerCase();
    const n = wholeNumber(m[2]);
    if (n === undefined) {
      into.unmapped.push({ where, setting: source.setting, reason: 'a tunable is a whole number' });
    } else if (name === 'keepaliveinterval') {
      interval = source;
    } else if (name === 'keepalivelimit') {
      limit = source;
    } else {
      const rule = TUNABLE_RULES.get(name);
      apply(source, rule ? rule(n) : { reason: 'no counterpart in floatip (a CTDB tunable for databases, recovery or other daemon internals)' }, into);
    }
  }
  if (interval || limit) {
    const both = [interval, limit].filter((s): s is Source => s !== undefined);
    const source: Source = { where: both.map((s) => s.where).join(', '), setting: both.map((s) => s.setting).join(' '), value: '' };
    apply(source, keepalive(wholeNumber(interval?.value ?? '') ?? KEEPALIVE_INTERVAL_DEFAULT, wholeNumber(limit?.value ?? '') ?? KEEPALIVE_LIMIT_DEFAULT), into);
  }
}

function readScriptOptions(text: string, into: Parsed): void {
  for (const { line, text: t } of settingLines(text, /^#/)) {
    into.unmapped.push({
      where: `script.options:${line}`, setting: t,
      reason: 'an event-script option: copy script.options to /etc/floatip/script.options, where CTDB\'s scripts read it',
    });
  }
}

/** Order of the tables in the output: the schema's. */
const TABLE_ORDER = ['node', 'cluster', 'timing', 'ipalloc', 'events', 'ban', 'log'];

function render(files: CtdbFiles, outputs: readonly Output[], unmapped: readonly UnmappedSetting[]): string {
  const out: string[] = [
    `# floatip.toml written by \`floatip import-ctdb\` from CTDB's configuration in ${files.dir}.`,
    '# Each setting names the CTDB line it came from; what has no counterpart is listed at the end.',
    '# Every option not set here has floatip\'s default (docs/configuration.md). Copy nodes and',
    '# public_addresses to /etc/floatip/ unchanged (docs/migrating-from-ctdb.md).',
  ];
  for (const table of TABLE_ORDER) {
    const lines = outputs.filter((o) => o.table === table);
    if (lines.length === 0) continue;
    out.push('', `[${table}]`);
    for (const o of lines) {
      out.push(`${o.key} = ${o.value}  # from ${o.from.where} ${o.from.setting}${o.comment ? `; ${o.comment}` : ''}`);
    }
  }
  if (unmapped.length > 0) {
    out.push('', '# Not carried over (no counterpart in floatip.toml):');
    for (const u of unmapped) out.push(`#   ${u.where} ${u.setting}: ${u.reason}`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * Maps CTDB's files onto floatip.toml. A line floatip's reader or rules refuse is dropped with
 * everything from the same CTDB setting, and that setting is listed with floatip's message.
 */
export function importCtdb(files: CtdbFiles): CtdbImport {
  const parsed: Parsed = { outputs: [], unmapped: [] };
  if (files.conf !== undefined) readConf(files.conf, parsed);
  if (files.tunables !== undefined) readTunables(files.tunables, parsed);
  if (files.scriptOptions !== undefined) readScriptOptions(files.scriptOptions, parsed);
  // A later line of the same key wins, as in CTDB's files; keep only the last.
  let outputs = parsed.outputs.filter((o, i) => !parsed.outputs.slice(i + 1).some((later) => later.table === o.table && later.key === o.key));
  const refused: UnmappedSetting[] = [];
  for (;;) {
    const text = render(files, outputs, []);
    const reading = readSettings(text, 'floatip.toml');
    const issues = [...reading.issues, ...checkRules(reading, 'floatip.toml')];
    const culprit = issues.map((i) => outputs.find((o) => `${o.table}.${o.key}` === i.key)).find((o) => o !== undefined);
    if (issues.length === 0 || culprit === undefined) break;
    const message = issues.find((i) => i.key === `${culprit.table}.${culprit.key}`)?.message ?? '';
    refused.push({ where: culprit.from.where, setting: culprit.from.setting, reason: `floatip refuses ${culprit.table}.${culprit.key} = ${culprit.value}: ${message}` });
    outputs = outputs.filter((o) => o.from !== culprit.from);
  }
  const unmapped = [...parsed.unmapped, ...refused];
  return { toml: render(files, outputs, unmapped), written: outputs.map((o) => `${o.table}.${o.key}`), unmapped };
}
