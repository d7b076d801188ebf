// The demo's words for newcomers: what each fault does and why, the assignment, and the moves with their times.

import { FaultMode } from './args';
import { Move, Overlap } from './demo-timeline';

/** The timings the daemons run with, for the explanations. */
export interface DemoTimings {
  readonly fenceAfterMs: number;
  readonly deadAfterMs: number;
  readonly crashGraceMs: number;
}

/** Two or three short lines: what the fault is, and how floatip notices and reacts. */
export function faultStory(mode: FaultMode, victim: number, t: DemoTimings): string[] {
  switch (mode) {
    case 'kill':
      return [
        `kill -9 of node ${victim}'s floatipd: the process dies at once.`,
        'Its peers see its TCP connections close, and its guardian process',
        'deletes its addresses and tells the survivors; one of them adds them then',
        `(or ${t.crashGraceMs} ms after the break, crash_grace, if that notice never came).`,
      ];
    case 'freeze':
      return [
        `SIGSTOP to node ${victim}'s floatipd: it stops, its connections stay open.`,
        `Its guardian hears no ticks and deletes its addresses after ${t.fenceAfterMs} ms (fence_after);`,
        `the peers hear no heartbeat and take them after ${t.deadAfterMs} ms (dead_after).`,
      ];
    case 'link':
      return [
        `Node ${victim}'s cables are pulled (its switch ports go down).`,
        `Alone, it has no quorum and drops its addresses within ${t.fenceAfterMs} ms (fence_after);`,
        `the majority hears nothing and takes them after ${t.deadAfterMs} ms (dead_after).`,
      ];
    case 'stop':
      return [
        `SIGTERM to node ${victim}'s floatipd: a planned stop.`,
        'It releases its addresses and tells the leader, which moves them at once.',
      ];
    case 'monitor':
      return [
        `Node ${victim}'s monitor event script starts failing (a health check).`,
        'The node turns UNHEALTHY; the leader moves its addresses to healthy nodes.',
      ];
  }
}

/** "node 0: a b" per node, every node listed (a node with none shows "-"). */
export function formatAssignment(holders: ReadonlyMap<string, readonly number[]>, nodes: number): string[] {
  const byNode = Array.from({ length: nodes }, () => [] as string[]);
  for (const [address, on] of holders) for (const node of on) byNode[node]?.push(address);
  return byNode.map((list, node) => `node ${node}: ${list.length === 0 ? '-' : list.join('  ')}`);
}

function ms(value: number | undefined): string {
  return value === undefined ? '-' : `${Math.round(value)} ms`;
}

function nodeText(node: number | null): string {
  return node === null ? 'nowhere' : `node ${node}`;
}

/** A table of moves, times from the fault (or heal): deleted on the old node, added on the new one, reached by the client. */
export function formatMoves(moves: readonly Move[]): string[] {
  const rows = [['address', 'moved', 'deleted', 'added', 'client reached it']];
  for (const m of moves) {
    rows.push([m.address, `${nodeText(m.from)} -> ${nodeText(m.to)}`, ms(m.goneMs), ms(m.addedMs), m.reachedMs === undefined ? 'NOT REACHED' : `after ${ms(m.reachedMs)}`]);
  }
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  return rows.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]))).join('  '));
}

export function formatOverlap(o: Overlap): string {
  return `${o.address} was on nodes ${o.nodes[0]} and ${o.nodes[1]} at once for ${Math.max(0.1, o.to - o.from).toFixed(1)} ms`;
}

/** The three figures people look for: slowest and typical time to reach a moved address again. */
export function summarizeReach(moves: readonly Move[]): string {
  const times = moves.map((m) => m.reachedMs).filter((t): t is number => t !== undefined).sort((a, b) => a - b);
  if (times.length === 0) return 'no moved address was reached again';
  const median = times[Math.floor((times.length - 1) / 2)];
  return times.length === 1 ? `reached again after ${ms(times[0])}`
    : `reached again after ${ms(times[0])} to ${ms(times[times.length - 1])} (median ${ms(median)})`;
}

/** What to type when not root. */
export function notRootMessage(uid: number | undefined): string {
  return [
    `floatip lab demo must run as root${uid === undefined ? '' : ` (you are uid ${uid})`}: it builds network namespaces,`,
    'virtual links and addresses on this machine (nothing outside them is touched).',
    'Run it again as root, e.g.:  sudo npm run demo',
    '',
  ].join('\n');
}
