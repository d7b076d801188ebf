// Every `floatip ...` and `floatipd ...` command line in docs/*.md (and events.d/README.md) names a verb the CLI has and options its usage lists, so a renamed verb or option fails here.
//
// Lines come from code blocks (after an optional `$ ` or `# ` prompt or `sudo`) and from inline
// code spans. A line is checked against the command table (src/cli/commands) and each
// command's own usage text, which is what `floatip VERB --help` prints; floatipd's against
// DAEMON_USAGE. Output that merely starts with the program name (`floatip status: warning`)
// is not a command line.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCommands } from '../../../src/cli/commands';
import { Command } from '../../../src/cli/command';
import { DAEMON_USAGE } from '../../../src/config/daemon-usage';

const ROOT = join(__dirname, '../../..');

/** Commands whose first argument is a verb of their own, listed in their usage. */
const WITH_SUB_VERBS = new Set(['event', 'lab', 'config']);
/** What `floatip` takes instead of a verb (src/cli/main.ts). */
const TOP_LEVEL = new Set(['--help', '-h', 'help', '--version', '-V']);

interface CommandLine {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  /** The words after the program name, up to the end of the command (a pipe, a redirection, a comment). */
  readonly words: readonly string[];
  readonly program: 'floatip' | 'floatipd';
}

/** The words of one command: brackets and usage punctuation dropped, cut at the shell's end of command. */
function commandWords(rest: string): string[] {
  const words: string[] = [];
  for (const raw of rest.trim().split(/\s+/)) {
    if (raw === '') continue;
    if (/^(\||\|\||&&|;|#|>|>>|<|2>|2>&1|&)$/.test(raw) || /^[0-9]?>/.test(raw)) break;
    const word = raw.replace(/^[[(]+/, '').replace(/[\]),;.]+$/, '');
    if (word === '' || word === '...' || word === '|') continue;
    words.push(word);
  }
  return words;
}

/** A command line in `text` (one line of a code block, or an inline code span), if it is one. */
function asCommandLine(text: string, file: string, line: number): CommandLine | undefined {
  const match = /^(?:[$#]\s+)?(?:sudo\s+)?(?:\S*\/)?(floatipd?)(?:\s+(.*))?$/.exec(text.trim());
  if (!match) return undefined;
  const rest = match[2] ?? '';
  // Output that starts with the program's name: `floatip status: warning: ...`, `floatip lab demo: a 3-node
  // cluster`, `floatip 0.1.0`, a dissector's `floatip peer mesh, HEARTBEAT`.
  if (/^(\S+\s+){0,2}\S*[:,](\s|$)/.test(rest) || /^[0-9]/.test(rest)) return undefined;
  const words = commandWords(rest);
  // A bare program name is no command to check, nor a synopsis's placeholder (`floatip COMMAND [ARGS...]`).
  if (words.length === 0 || /^[A-Z]+$/.test(words[0])) return undefined;
  return { file, line, text: text.trim(), words, program: match[1] as CommandLine['program'] };
}

/** Every command line of a markdown text: code block lines and inline code spans. */
function commandLinesOf(markdown: string, file: string): CommandLine[] {
  const found: CommandLine[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((text, i) => {
    const opening = /^\s*(```|~~~)/.exec(text);
    if (opening) {
      fence = fence === undefined ? opening[1] : fence === opening[1] ? undefined : fence;
      return;
    }
    if (fence !== undefined) {
      const command = asCommandLine(text, file, i + 1);
      if (command) found.push(command);
      return;
    }
    for (const span of text.matchAll(/`([^`]+)`/g)) {
      const command = asCommandLine(span[1], file, i + 1);
      if (command) found.push(command);
    }
  });
  return found;
}

/** `word` stands in `usage` as a word of its own (not inside a longer option or name). */
function listedIn(usage: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s\\[(|,])${escaped}(?=$|[\\s\\]),|=:.])`, 'm').test(usage);
}

/** What is wrong with one command line, or undefined. */
function problemOf(command: CommandLine, table: readonly Command[]): string | undefined {
  const words = command.words;
  const end = words.indexOf('--');
  const own = end < 0 ? words : words.slice(0, end);
  const options = own.filter((w) => w.startsWith('-') && !/^-[0-9]/.test(w) && w !== '-').map((w) => w.split('=')[0]);
  if (command.program === 'floatipd') {
    const unknown = options.filter((o) => !listedIn(DAEMON_USAGE, o));
    return unknown.length > 0 ? `floatipd has no option ${unknown.join(', ')} (floatipd --help)` : undefined;
  }
  const verb = own[0];
  if (TOP_LEVEL.has(verb)) return undefined;
  const entry = table.find((c) => c.name === verb);
  if (!entry) return `floatip has no command '${verb}' (floatip --help lists them)`;
  if (WITH_SUB_VERBS.has(verb)) {
    const sub = own.slice(1).find((w) => !w.startsWith('-'));
    if (sub !== undefined && !/^[A-Z]/.test(sub) && !listedIn(entry.usage, sub)) return `floatip ${verb} has no '${sub}' (floatip ${verb} --help)`;
  }
  const unknown = options.filter((o) => o !== '--help' && o !== '-h' && !listedIn(entry.usage, o));
  return unknown.length > 0 ? `floatip ${verb} has no option ${unknown.join(', ')} (floatip ${verb} --help)` : undefined;
}

describe('command lines in docs/*.md and events.d/README.md', () => {
  const table = buildCommands({ env: {} } as Parameters<typeof buildCommands>[0]);
  // docs/, and the README beside the shipped event scripts that an admin reads first.
  const files = [...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`), 'events.d/README.md'];
  const lines = files.flatMap((file) => commandLinesOf(readFileSync(join(ROOT, file), 'utf8'), file));

  it('finds the command lines of code blocks and inline code (a check that reads nothing proves nothing)', () => {
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.some((l) => l.program === 'floatipd')).toBe(true);
    expect(new Set(lines.map((l) => l.file)).size).toBeGreaterThan(5);
  });

  it('names only verbs the CLI has and options their usage lists', () => {
    const problems = lines.flatMap((command) => {
      const problem = problemOf(command, table);
      return problem === undefined ? [] : [`${command.file}:${command.line}: \`${command.text}\`: ${problem}`];
    });
    expect(problems).toEqual([]);
  });
});

describe('the check itself', () => {
  const table = buildCommands({ env: {} } as Parameters<typeof buildCommands>[0]);
  const check = (text: string): string | undefined => {
    const command = asCommandLine(text, 'x.md', 1);
    return command === undefined ? 'not a command line' : problemOf(command, table) ?? 'ok';
  };

  it.each<[string, string]>([
    ['$ floatip status', 'ok'],
    ['# floatip ip -v all --json | jq .', 'ok'],
    ['floatip history -l 5', 'ok'],
    ['floatip history --limit=5', 'ok'],
    ['floatip ban SECS [-n PNN]', 'ok'],
    ['floatip event run monitor -- -x', 'ok'],
    ['floatip event script enable|disable NAME', 'ok'],
    ['floatip lab up --nodes 4 --ipv6', 'ok'],
    ['floatip config check --config /tmp/f.toml', 'ok'],
    ['sudo /usr/bin/floatipd --check-config', 'ok'],
    ['floatip --version', 'ok'],
    ['floatip statsu', "floatip has no command 'statsu' (floatip --help lists them)"],
    ['floatip history --last 5', 'floatip history has no option --last (floatip history --help)'],
    ['floatip ip --verbos', 'floatip ip has no option --verbos (floatip ip --help)'],
    ['floatip lab destroy', "floatip lab has no 'destroy' (floatip lab --help)"],
    ['floatipd --config-test', 'floatipd has no option --config-test (floatipd --help)'],
    ['floatip status: warning: /etc/floatip/floatip.toml:12: ...', 'not a command line'],
    ['floatip', 'not a command line'],
    ['floatip 0.1.0', 'not a command line'],
    ['floatip COMMAND [ARGS...] [--json]', 'not a command line'],
    ['floatip lab demo: a 3-node cluster', 'not a command line'],
    ['floatip moveip 2001:db8::10 1', 'ok'],
    ['floatipd.service', 'not a command line'],
  ])('%s: %s', (text, verdict) => {
    expect(check(text)).toBe(verdict);
  });

  it('reads inline code and code blocks, not prose', () => {
    const markdown = 'Run `floatip status` or floatip leader.\n```\n$ floatip ip\nfloatip status: warning: x\n```\n';
    expect(commandLinesOf(markdown, 'x.md').map((l) => `${l.line} ${l.text}`)).toEqual(['1 floatip status', '3 $ floatip ip']);
  });
});
