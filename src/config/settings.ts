// floatip.toml text -> typed settings: TOML syntax, unknown keys, value kinds and defaults, every issue collected.

import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigIssue, ConfigIssueCode } from './issues';
import { describeRaw, OptionSpec, TimingProfileName, TIMING_PROFILES } from './option-kinds';
import { FloatipSettings, isOption, listOptions, schema, SchemaTable } from './schema';
import { closestName } from './suggest';
import { TomlKeyLines } from './toml-lines';

/** What reading floatip.toml found. `settings` is complete only when `issues` is empty. */
export interface SettingsReading {
  readonly settings: FloatipSettings;
  readonly issues: readonly ConfigIssue[];
  /** Dotted keys the file sets (with valid values), for rules that blame the key the user wrote. */
  readonly explicit: ReadonlySet<string>;
  /** Dotted keys whose values were refused: rules over them are skipped rather than misreport. */
  readonly failed: ReadonlySet<string>;
  readonly lines: TomlKeyLines;
}

type RawTable = Record<string, unknown>;

function isRawTable(value: unknown): value is RawTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function has(table: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(table, key);
}

function defaultValue(spec: OptionSpec<unknown>, profile: TimingProfileName): unknown {
  switch (spec.default.kind) {
    case 'value': return spec.default.value;
    case 'profile': return spec.default.values[profile];
    case 'unset': return undefined;
  }
}

/** The settings with nothing set: every default of the `default` timing profile. */
export function defaultSettings(profile: TimingProfileName = 'default'): FloatipSettings {
  const build = (table: SchemaTable): Record<string, unknown> => Object.fromEntries(Object.entries(table)
    .map(([key, entry]) => [key, isOption(entry) ? defaultValue(entry, profile) : build(entry)]));
  return build(schema) as unknown as FloatipSettings;
}

class SettingsReader {
  readonly issues: ConfigIssue[] = [];
  readonly explicit = new Set<string>();
  readonly failed = new Set<string>();

  constructor(readonly file: string, readonly lines: TomlKeyLines, readonly profile: TimingProfileName) {}

  issue(code: ConfigIssueCode, path: readonly string[], message: string): void {
    this.issues.push({ code, file: this.file, line: this.lines.lineOf(path), key: path.join('.'), message });
  }

  unknownKey(path: readonly string[], siblings: readonly string[]): void {
    const name = path[path.length - 1];
    const where = path.length === 1 ? 'floatip.toml has no table or option' : `[${path.slice(0, -1).join('.')}] has no option`;
    const sibling = closestName(name, siblings);
    if (sibling !== undefined) {
      const suggestion = [...path.slice(0, -1), sibling].join('.');
      this.issue('E_CONFIG_UNKNOWN_KEY', path, `unknown key: ${where} "${name}"; did you mean ${suggestion}?`);
      return;
    }
    // A known option in the wrong table (`port` at the top, `heartbeat_interval` under [node]).
    const elsewhere = listOptions().map(([dotted]) => dotted).filter((dotted) => dotted.split('.').pop() === name);
    const hint = elsewhere.length > 0
      ? `; did you mean ${elsewhere.join(' or ')}? Move it to that table`
      : '; see docs/configuration.md for the options';
    this.issue('E_CONFIG_UNKNOWN_KEY', path, `unknown key: ${where} "${name}"${hint}`);
  }

  readTable(table: SchemaTable, raw: RawTable, path: readonly string[]): Record<string, unknown> {
    for (const key of Object.keys(raw)) {
      if (!has(table, key)) this.unknownKey([...path, key], Object.keys(table));
    }
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(table)) {
      const keyPath = [...path, key];
      const value = has(raw, key) ? raw[key] : undefined;
      if (!isOption(entry)) {
        if (value !== undefined && !isRawTable(value)) {
          this.issue('E_CONFIG_TYPE', keyPath, `expected a table [${keyPath.join('.')}], got ${describeRaw(value)}`);
        }
        out[key] = this.readTable(entry, isRawTable(value) ? value : {}, keyPath);
        continue;
      }
      if (value === undefined) {
        out[key] = defaultValue(entry, this.profile);
        continue;
      }
      const parsed = entry.parse(value);
      if (parsed.ok) {
        out[key] = parsed.value;
        this.explicit.add(keyPath.join('.'));
      } else {
        out[key] = defaultValue(entry, this.profile);
        this.failed.add(keyPath.join('.'));
        this.issue(parsed.code, keyPath, parsed.error);
      }
    }
    return out;
  }
}

function syntaxIssue(file: string, err: TomlError): ConfigIssue {
  const reason = err.message.replace(/^Invalid TOML document: /, '').split('\n')[0];
  return {
    code: 'E_CONFIG_SYNTAX', file, line: err.line,
    message: `TOML syntax error at column ${err.column}: ${reason}; fix this line (see https://toml.io)`,
  };
}

/** The profile named in the file, or `default` when it is missing or bad (that is reported elsewhere). */
function chosenProfile(raw: RawTable): TimingProfileName {
  const timing = raw.timing;
  const named = isRawTable(timing) ? timing.profile : undefined;
  return (TIMING_PROFILES as readonly unknown[]).includes(named) ? (named as TimingProfileName) : 'default';
}

/** Reads floatip.toml text. `file` names the file in messages. */
export function readSettings(source: string, file: string): SettingsReading {
  const lines = new TomlKeyLines(source);
  let raw: RawTable;
  try {
    raw = parseToml(source);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    return { settings: defaultSettings(), issues: [syntaxIssue(file, err)], explicit: new Set(), failed: new Set(), lines };
  }
  const reader = new SettingsReader(file, lines, chosenProfile(raw));
  const settings = reader.readTable(schema, raw, []) as unknown as FloatipSettings;
  // In file order, so the operator can fix them top to bottom (sort is stable for equal lines).
  const issues = [...reader.issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { settings, issues, explicit: reader.explicit, failed: reader.failed, lines };
}
