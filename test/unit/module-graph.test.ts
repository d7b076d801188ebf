// The module graph keeps the shape DESIGN.md draws: no import cycle, no arrow pointing upward.
//
// Reads every import of src/ (relative specifiers; static, `import type` and dynamic alike)
// and checks each arrow against the rules below, one row per rule with its reason.

import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.resolve(__dirname, '../../src');

/** `src/daemon/runtime/node.ts` -> 'daemon'; `src/version.ts` -> 'version'. */
function layerOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0].replace(/\.ts$/, '');
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]*)['"]/g;

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((match) => {
    const target = path.resolve(path.dirname(file), match[1]);
    if (fs.existsSync(`${target}.ts`)) return `${target}.ts`;
    if (fs.existsSync(path.join(target, 'index.ts'))) return path.join(target, 'index.ts');
    throw new Error(`${path.relative(SRC, file)}: cannot resolve import '${match[1]}'`);
  });
}

interface Rule {
  readonly reason: string;
  /** True when the arrow from layer `from` to layer `to` breaks this rule. */
  readonly breaks: (from: string, to: string) => boolean;
}

const RULES: readonly Rule[] = [
  { reason: 'core is pure and depends on nothing of ours but core', breaks: (from, to) => from === 'core' && to !== 'core' },
  { reason: 'protocol is pure codecs over core', breaks: (from, to) => from === 'protocol' && to !== 'core' && to !== 'protocol' },
  { reason: 'adapters sit on protocol and core only', breaks: (from, to) => from === 'adapters' && !['adapters', 'protocol', 'core'].includes(to) },
  { reason: 'config is read by the daemon and the tools, it reads none of them', breaks: (from, to) => from === 'config' && !['config', 'core', 'protocol'].includes(to) },
  { reason: 'the client is shared by cli, lab and soak, below all three', breaks: (from, to) => from === 'client' && ['cli', 'lab', 'soak', 'daemon'].includes(to) },
  { reason: 'nothing imports cli', breaks: (from, to) => to === 'cli' && from !== 'cli' },
  { reason: 'nothing imports soak', breaks: (from, to) => to === 'soak' && from !== 'soak' },
  { reason: 'lab is a library for cli and soak', breaks: (from, to) => to === 'lab' && !['lab', 'cli', 'soak'].includes(from) },
  { reason: 'cli, lab and soak talk to the daemon through the client, they do not import it', breaks: (from, to) => ['cli', 'lab', 'soak'].includes(from) && to === 'daemon' },
];

/**
 * Arrows of issue 12 not yet turned round. Each must still exist (so the list cannot go
 * stale); the list empties as the restructure lands.
 */
const PENDING: readonly string[] = [
];

/** Import cycles not yet broken, as sorted file lists (same rule as PENDING). */
const PENDING_CYCLES: readonly string[] = [];

const files = sourceFiles(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const rel = (file: string): string => path.relative(SRC, file);

function brokenArrows(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [file, targets] of graph) {
    for (const target of targets) {
      const reasons = RULES.filter((rule) => rule.breaks(layerOf(file), layerOf(target))).map((rule) => rule.reason);
      if (reasons.length > 0) out.set(`${rel(file)} -> ${rel(target)}`, reasons);
    }
  }
  return out;
}

/** Strongly connected components with more than one file (Tarjan). */
function cycles(): string[] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (;;) {
      const w = stack.pop()!;
      onStack.delete(w);
      component.push(rel(w));
      if (w === v) break;
    }
    if (component.length > 1) found.push(component.sort().join(', '));
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return found.sort();
}

describe('module graph', () => {
  it('reads a real graph', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(graph.get(path.join(SRC, 'daemon/runtime/node.ts'))).toContain(path.join(SRC, 'daemon/runtime/hosting.ts'));
  });

  it('has no arrow pointing upward, beyond the pending ones of issue 12', () => {
    const broken = brokenArrows();
    const unexpected = [...broken].filter(([arrow]) => !PENDING.includes(arrow)).map(([arrow, reasons]) => `${arrow}: ${reasons.join('; ')}`);
    expect(unexpected).toEqual([]);
    const gone = PENDING.filter((arrow) => !broken.has(arrow));
    expect(gone).toEqual([]); // fixed: take it off PENDING
  });

  it('has no import cycle, beyond the pending ones of issue 12', () => {
    expect(cycles()).toEqual([...PENDING_CYCLES].sort());
  });

  it('the rules catch what they name', () => {
    const breaking = (from: string, to: string): string[] => RULES.filter((rule) => rule.breaks(from, to)).map((rule) => rule.reason);
    expect(breaking('core', 'adapters')).toEqual(['core is pure and depends on nothing of ours but core']);
    expect(breaking('lab', 'cli')).toEqual(['nothing imports cli']);
    expect(breaking('soak', 'daemon')).toEqual(['cli, lab and soak talk to the daemon through the client, they do not import it']);
    expect(breaking('daemon', 'lab')).toEqual(['lab is a library for cli and soak']);
    expect(breaking('cli', 'client')).toEqual([]);
    expect(breaking('daemon', 'adapters')).toEqual([]);
  });
});
