// The allocator worker, a real worker thread over the TypeScript source: the same answers as allocating inline, also when the address lines change between states.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize, deserialize } from 'node:v8';
import fc from 'fast-check';
import { PublicAddress } from '../../../../src/core/address';
import { ip } from '../../../../src/core/ip';
import { NO_NODE, NodeFlag } from '../../../../src/core/flags';
import { ALGORITHMS, AlgorithmName, allocate, AllocState, buildAllocState, DEFAULT_TUNABLES, sameAllocState } from '../../../../src/core/ipalloc';
import { decodeResult, decodeState, encodeResult, encodeState, lineIndex, linesOf } from '../../../../src/daemon/runtime/alloc-frame';
import { Allocator } from '../../../../src/daemon/runtime/allocator';
import { workerAllocator } from '../../../../src/daemon/runtime/worker-allocator';

/** `count` lines of 198.18.0.0/15 and 2001:db8::/32, from `first` on. */
function linesFrom(first: number, count: number): PublicAddress[] {
  return Array.from({ length: count }, (_, i) => {
    const k = first + i;
    return k % 2 === 0
      ? { address: ip(`198.18.${Math.floor(k / 250)}.${(k % 250) + 1}`), bits: 15, interfaces: ['eth0'] }
      : { address: ip(`2001:db8::${k.toString(16)}`), bits: 64, interfaces: ['eth0'] };
  });
}

/** Three nodes listing every line; node `down` unhealthy; line k held by k mod 4 (3 means nobody). */
function stateOver(lines: readonly PublicAddress[], algorithm: AlgorithmName = 'lcp2', down = 2): AllocState {
  const nodes = [0, 1, 2].map((pnn) => ({ flags: pnn === down ? NodeFlag.UNHEALTHY : 0, running: true }));
  return buildAllocState(algorithm, DEFAULT_TUNABLES, nodes, lines.map((address, k) => ({
    address, known: [0, 1, 2], holder: k % 4 === 3 ? NO_NODE : k % 4,
  })));
}

/** What a structured clone does to a message, as postMessage would (typed arrays included). */
const cloned = <T>(value: T): T => deserialize(serialize(value)) as T;

describe('alloc-frame', () => {
  it('gives the worker the state and the leader the answer, entry order included', () => {
    const addressArb = fc.record({
      known: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }),
      holder: fc.integer({ min: -1, max: 3 }),
    });
    fc.assert(fc.property(fc.constantFrom(...ALGORITHMS), fc.array(addressArb, { maxLength: 12 }), fc.boolean(), (algorithm, specs, rebalance) => {
      const lines = linesFrom(0, specs.length);
      const state = buildAllocState(algorithm, DEFAULT_TUNABLES,
        [0, 1, 2, 3].map((pnn) => ({ flags: pnn === 1 ? NodeFlag.DISABLED : 0, running: pnn !== 3 })),
        specs.map((spec, k) => ({ address: lines[k], known: spec.known, holder: spec.known.includes(spec.holder) ? spec.holder : NO_NODE })),
        rebalance ? { forceRebalance: [0], homeNodes: new Map([[lines[0]?.address.text ?? '198.18.0.1', 2]]) } : {});
      const workerLines = cloned(linesOf(state));
      const seen = decodeState(cloned(encodeState(state, 7, 1).message), workerLines);
      expect(sameAllocState(seen, state)).toBe(true);
      expect(seen.homeNodes).toEqual(state.homeNodes);
      const answer = cloned(encodeResult(7, allocate(seen), lineIndex(workerLines)).message);
      if (!answer.ok) throw new Error(answer.message);
      const result = decodeResult(answer, linesOf(state));
      const direct = allocate(state);
      expect([...result.assignment]).toEqual([...direct.assignment]);
      expect(result.unhosted).toEqual(direct.unhosted);
    }));
  });
});

/** Writes a worker script that runs alloc-worker.ts itself, transpiled on require like the integration tests' daemons; `before` runs first in the worker. */
function workerScript(dir: string, before = ''): string {
  const script = join(dir, 'alloc-worker.js');
  writeFileSync(script, `${before}
const ts = require(${JSON.stringify(require.resolve('typescript'))});
const fs = require('fs');
require.extensions['.ts'] = (module, filename) => module._compile(ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
  fileName: filename, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
}).outputText, filename);
require(${JSON.stringify(join(__dirname, '../../../../src/daemon/runtime/alloc-worker.ts'))});
`);
  return script;
}

describe('workerAllocator', () => {
  let dir: string;
  let allocator: Allocator;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'alloc-worker-'));
    allocator = workerAllocator({ minAddresses: 1, script: workerScript(dir) });
  });

  afterAll(async () => {
    await allocator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const inOrder = (state: AllocState) => allocator.allocate(state).then((r) => ({ assignment: [...r.assignment], unhosted: r.unhosted }));
  const direct = (state: AllocState) => {
    const r = allocate(state);
    return { assignment: [...r.assignment], unhosted: r.unhosted };
  };

  it('answers as allocate does, for states over the same lines and after the lines changed', async () => {
    const lines = linesFrom(0, 300);
    const first = stateOver(lines);
    expect(await inOrder(first)).toEqual(direct(first));
    const otherHolders = stateOver(lines, 'deterministic', 0);
    expect(await inOrder(otherHolders)).toEqual(direct(otherHolders));
    // A node's list changed: 50 addresses gone, 80 new ones, the rest the same objects.
    const changed = stateOver([...lines.slice(50), ...linesFrom(300, 80)], 'nondeterministic', 1);
    expect(await inOrder(changed)).toEqual(direct(changed));
    // Two allocations in flight over different lines.
    const [a, b] = await Promise.all([inOrder(first), inOrder(changed)]);
    expect(a).toEqual(direct(first));
    expect(b).toEqual(direct(changed));
  });
});

describe('workerAllocator.prepare', () => {
  let dir: string;
  let allocator: Allocator | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'alloc-worker-'));
  });

  afterEach(async () => {
    await allocator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts the worker and has it allocate a state big enough (and the same unheld), and leaves a small one alone', async () => {
    // The worker notes each job it is sent, beside alloc-worker.ts's own listener.
    const jobs = join(dir, 'jobs');
    const script = workerScript(dir, `require('node:worker_threads').parentPort.on('message', (job) => require('fs').appendFileSync(${JSON.stringify(jobs)}, job.kind + '\\n'));`);
    const ready = workerAllocator({ minAddresses: 100, script });
    allocator = ready;
    const seen = (): string[] => (existsSync(jobs) ? readFileSync(jobs, 'utf8').trim().split('\n') : []);
    expect(ready.prepare?.(stateOver(linesFrom(0, 99)))).toBe(false);
    const big = stateOver(linesFrom(0, 100));
    expect(ready.prepare?.(big)).toBe(true);
    // The prepared state's answer comes from the same worker, which now holds the lines.
    expect([...(await ready.allocate(big)).assignment]).toEqual([...allocate(big).assignment]);
    expect(seen()).toEqual(['lines', 'allocate', 'allocate', 'allocate']); // as it is, unheld, and asked
  });
});
