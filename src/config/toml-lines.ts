// Line numbers of keys in TOML text, so errors about a key can say where it is (the parser gives values only).

const BARE = '[A-Za-z0-9_-]+';
const BASIC = '"(?:[^"\\\\]|\\\\.)*"';
const LITERAL = "'[^']*'";
const KEY_PART = `(?:${BARE}|${BASIC}|${LITERAL})`;
const DOTTED_KEY = `${KEY_PART}(?:\\s*\\.\\s*${KEY_PART})*`;
const TABLE_HEADER = new RegExp(`^\\s*\\[\\[?\\s*(${DOTTED_KEY})\\s*\\]\\]?`);
const KEY_VALUE = new RegExp(`^\\s*(${DOTTED_KEY})\\s*=`);
const PART = new RegExp(KEY_PART, 'g');

function splitDotted(text: string): string[] {
  return (text.match(PART) ?? []).map((part) => {
    if (part.startsWith('"')) return JSON.parse(part) as string;
    if (part.startsWith("'")) return part.slice(1, -1);
    return part;
  });
}

/** Counts `"""` and `'''` delimiters, so lines inside multi-line strings are not read as keys. */
function togglesMultiline(line: string, open: string | undefined): string | undefined {
  let state = open;
  for (let i = 0; i < line.length; i++) {
    const three = line.slice(i, i + 3);
    if (state === undefined && (three === '"""' || three === "'''")) { state = three; i += 2; continue; }
    if (state !== undefined && three === state) { state = undefined; i += 2; continue; }
    if (state === undefined && (line[i] === '#')) break;
  }
  return state;
}

/**
 * Maps each dotted key path (`timing.heartbeat_interval`, and each table such
 * as `timing`) to the 1-based line that defines it. Only meant for text that
 * already parsed: it follows headers and `key =` lines, not full TOML grammar.
 */
export class TomlKeyLines {
  private readonly lines = new Map<string, number>();

  constructor(source: string) {
    let table: string[] = [];
    let multiline: string | undefined;
    source.split('\n').forEach((line, index) => {
      const lineNumber = index + 1;
      if (multiline !== undefined) {
        multiline = togglesMultiline(line, multiline);
        return;
      }
      const header = TABLE_HEADER.exec(line);
      if (header) {
        table = splitDotted(header[1]);
        this.record(table, lineNumber);
        return;
      }
      const keyValue = KEY_VALUE.exec(line);
      if (keyValue) this.record([...table, ...splitDotted(keyValue[1])], lineNumber);
      multiline = togglesMultiline(line, undefined);
    });
  }

  private record(path: readonly string[], line: number): void {
    for (let i = 1; i <= path.length; i++) {
      const key = path.slice(0, i).join('.');
      if (!this.lines.has(key)) this.lines.set(key, line);
    }
  }

  /** The line of `path`, or of its nearest enclosing table that has one (an inline table), or undefined. */
  lineOf(path: readonly string[]): number | undefined {
    for (let i = path.length; i > 0; i--) {
      const line = this.lines.get(path.slice(0, i).join('.'));
      if (line !== undefined) return line;
    }
    return undefined;
  }
}
