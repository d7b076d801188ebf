// Cluster-wide reloadnodes, as CTDB's: every node must read the same `nodes`; appended lines join, commented-out lines leave; then ONE run.
//
// The coordinator is the node whose control socket got the command. Its steps, over
// cluster-reload.ts's hold and release:
//   1. read     its own `nodes`; refuse edits CTDB's rules refuse (core/node-set.ts) and
//               nodes that may not leave yet (LEAVING_RULES); an unchanged file does nothing.
//   2. hold     every connected node holds its takeover runs.
//   3. check    every held node compares its `nodes` with the coordinator's lines; a node
//               whose file differs is named, and the change is refused everywhere (nothing
//               applied on any node); so is a node that could not be asked.
//   4. apply    every held node reads its file again and runs with it: the view gets the new
//               lines, the mesh dials the new peers and drops the deleted ones, the guardian
//               gets its new peer list. The coordinator applies last: a leaving node's answer
//               travels on the coordinator's connection to it, which its own apply closes.
//   5. join     up to `joinWaitMs`, until every added node is connected here: a new node
//               whose floatipd already runs connects within one dial, and the run then gives
//               it its share; one not started yet is not waited for longer (it gets its
//               share from the run its join causes).
//   6. release  the holds end, the leader makes the one run that places the addresses.

import { Pnn } from '../../core/flags';
import { Clock, OneTimer } from '../../adapters/clock';
import { ip } from '../../core/ip';
import { compareNodeSets, firstDifference, leavingNodeOf, leavingRefusal, NodeLine, sameNodeSet } from '../../core/node-set';
import type { ReloadNodesResult } from '../../protocol/control-results';
import type { NodesFileLine } from '../../protocol/frame-messages';
import { ClusterReload, NodeReloadOutcome, ReloadAnswer } from './cluster-reload';
import { ClusterState } from './cluster-state';
import { Logger } from './logger';
import { RuntimeNode } from './settings';

export interface ClusterNodesComponents {
  readonly state: ClusterState;
  readonly log: Logger;
  readonly reload: Pick<ClusterReload, 'holdAll' | 'askEach' | 'releaseAndRun'>;
  /** Re-reads this node's `nodes` file; throws, naming file and line, when it cannot. Without it reloadnodes is refused. */
  readonly loadNodes?: () => Promise<readonly RuntimeNode[]>;
  /** Runs with a new node set: mesh, guardian, whatever else follows `nodes` (node.ts). */
  readonly applyNodes: (nodes: readonly RuntimeNode[]) => void;
  readonly clock: Clock;
  /** Step 5's bound (the runtime passes dead_after). */
  readonly joinWaitMs: number;
}

/** Lines as a reloadnodes step carries them. */
export function toFileLines(nodes: readonly NodeLine[]): NodesFileLine[] {
  return nodes.map((n) => (n.deleted || n.address === null ? {} : { address: ip(n.address) }));
}

/** Lines from a reloadnodes step. */
export function fromFileLines(lines: readonly NodesFileLine[]): RuntimeNode[] {
  return lines.map((line, pnn) => ({ pnn, address: line.address?.text ?? null, deleted: line.address === undefined }));
}

export class ClusterNodes {
  constructor(private readonly components: ClusterNodesComponents) {}

  /** The coordinator (see the header). */
  async reloadNodes(): Promise<ReloadNodesResult> {
    const { state, reload, log } = this.components;
    const refuse = (message: string, extra: Partial<ReloadNodesResult> = {}): ReloadNodesResult => (
      { ok: false, message, added: [], removed: [], nodes: [], run: null, ...extra });

    // 1. read
    const next = await this.read();
    const change = compareNodeSets(state.nodes, next);
    if (change.problems.length > 0) return refuse(`nodes changed in a way reloadnodes cannot apply: ${change.problems.join('; ')}`);
    const { added, removed } = change;
    if (added.length === 0 && removed.length === 0) return { ok: true, message: 'no change in the nodes file: nothing to do', added, removed, nodes: [], run: null };
    const refusals = removed.flatMap((pnn) => {
      const why = leavingRefusal(leavingNodeOf(state.view, pnn));
      return why === undefined ? [] : [why];
    });
    const after = state.quorumWith(next);
    if (state.quorum().quorate && !after.quorate) {
      refusals.push(`with ${after.configured} configured nodes the ${after.members.length} of this partition would need ${after.majority} for quorum, `
        + 'and every node would release its addresses: add fewer nodes at once (each joins when the others run with its line)');
    }
    if (refusals.length > 0) return refuse(`refused, nothing changed: ${refusals.join('; ')}`, { added, removed });

    // 2. hold
    const { reloadId, reachable, holds, held } = await reload.holdAll('reloadnodes');
    const lines = toFileLines(next);

    // 3. check
    const checks = await reload.askEach(held, reloadId, () => ({ step: 'check-nodes', nodes: lines }));
    const checked = reachable.map((pnn): NodeReloadOutcome => (held.includes(pnn)
      ? { pnn, ...(checks.get(pnn) ?? { status: 'failed', message: 'no answer' }) }
      : { pnn, status: 'failed', message: `did not hold its takeover runs, so its nodes file could not be checked: ${holds.get(pnn)?.message ?? ''}` }));
    const differing = checked.filter((n) => n.status !== 'ok');
    if (differing.length > 0) {
      // Nothing changed anywhere: the holds end without a run.
      await reload.askEach(held, reloadId, () => ({ step: 'release' }));
      const named = differing.map((n) => `node ${n.pnn}: ${n.message}`).join('; ');
      log.warn({ nodes: differing.map((n) => n.pnn) }, `reloadnodes refused: ${named}`);
      return refuse(`refused on every node, nothing changed: every node must have the same nodes file (${named})`, { added, removed, nodes: checked });
    }

    // 4. apply, the coordinator last
    const others = held.filter((pnn) => pnn !== state.localPnn);
    const applies = await reload.askEach(others, reloadId, () => ({ step: 'apply-nodes', nodes: lines }));
    const own = await reload.askEach([state.localPnn], reloadId, () => ({ step: 'apply-nodes', nodes: lines }));
    const nodes = held.map((pnn): NodeReloadOutcome => ({ pnn, ...((pnn === state.localPnn ? own : applies).get(pnn) ?? { status: 'failed', message: 'no answer' }) }));
    log.info({ added, removed, reloadId }, `reloadnodes: ${describeNodeChange(added, removed)}`);

    // 5. join
    await this.connected(added);

    // 6. release, and the one run (nodes that left are no longer held)
    const stillHeld = held.filter((pnn) => !removed.includes(pnn));
    const run = await reload.releaseAndRun(reloadId, holds, stillHeld, []);
    const ok = nodes.every((n) => n.status === 'ok') && run.status === 'ok';
    return { ok, message: describeNodeChange(added, removed), added, removed, nodes, run };
  }

  /** check-nodes: does this node's file read exactly `lines`? */
  async check(lines: readonly NodesFileLine[]): Promise<ReloadAnswer> {
    const mine = await this.read();
    const theirs = fromFileLines(lines);
    if (sameNodeSet(mine, theirs)) return { status: 'ok', message: 'same nodes file' };
    return { status: 'refused', message: `its nodes file differs (${firstDifference(mine, theirs, 'the coordinator') ?? ''})` };
  }

  /** apply-nodes: runs with `lines`, if this node's file still reads them. */
  async apply(lines: readonly NodesFileLine[]): Promise<ReloadAnswer> {
    const { state } = this.components;
    const checked = await this.check(lines);
    if (checked.status !== 'ok') return { status: 'failed', message: `${checked.message}: the file changed since the check; run reloadnodes again` };
    const next = fromFileLines(lines);
    const change = compareNodeSets(state.nodes, next);
    if (change.problems.length > 0) return { status: 'failed', message: change.problems.join('; ') };
    if (next[state.localPnn]?.deleted) {
      // This node leaves: the others close its connections and refuse it from now on (this answer
      // travels before they do). It is stopped and holds nothing; alone it has no quorum either.
      return { status: 'ok', message: `node ${state.localPnn} is deleted in the new nodes file: it left the cluster; stop floatipd on it` };
    }
    state.setNodes(next);
    this.components.applyNodes(next);
    return { status: 'ok', message: describeNodeChange(change.added, change.removed) };
  }

  /** Resolves once every node of `pnns` is connected in this node's view, or after joinWaitMs. */
  private connected(pnns: readonly Pnn[]): Promise<void> {
    const { state, clock, joinWaitMs } = this.components;
    const all = (): boolean => pnns.every((pnn) => state.view.nodes[pnn]?.connected === true);
    if (all()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = new OneTimer(clock);
      const done = (): void => {
        timer.clear();
        unsubscribe();
        resolve();
      };
      const unsubscribe = state.onChange(() => { if (all()) done(); });
      timer.set(joinWaitMs, done);
    });
  }

  private async read(): Promise<readonly RuntimeNode[]> {
    const load = this.components.loadNodes;
    if (load === undefined) throw new Error(`node ${this.components.state.localPnn} cannot re-read its nodes file: restart it instead`);
    return load();
  }
}

/** "node 3 joined; node 1 left", or "no change". */
export function describeNodeChange(added: readonly Pnn[], removed: readonly Pnn[]): string {
  const parts = [
    ...(added.length > 0 ? [`node${added.length > 1 ? 's' : ''} ${added.join(', ')} joined`] : []),
    ...(removed.length > 0 ? [`node${removed.length > 1 ? 's' : ''} ${removed.join(', ')} left`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : 'no change';
}
