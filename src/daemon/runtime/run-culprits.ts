// Whom a failed takeover run charges: one ban credit, to the node with the most failed actions in it (CTDB's takeover helper).
//
// The phases report every failed action (a release, take or ipreallocated a node failed or did
// not answer). A credit per action banned a node on its first failed run once it held a few
// hundred addresses: a take of 333 that a fence of the node's own cut short (it lost quorum for
// a moment) was 333 credits against a threshold of 6. CTDB's takeover helper sends one banning
// message per failed run, for the node with the most credits in it; so does this.

import { Pnn } from '../../core/flags';

export class RunCulprits {
  private readonly failedActions = new Map<Pnn, number>();

  /** A failed action of `pnn`; returns `message` (the phases collect them as the run's errors). */
  failed(pnn: Pnn, message: string): string {
    this.failedActions.set(pnn, (this.failedActions.get(pnn) ?? 0) + 1);
    return message;
  }

  /** The node with the most failed actions (the lowest number of those tied) and how many, or undefined when none failed. */
  culprit(): { readonly pnn: Pnn; readonly actions: number } | undefined {
    let found: { pnn: Pnn; actions: number } | undefined;
    for (const [pnn, actions] of [...this.failedActions].sort((a, b) => a[0] - b[0])) {
      if (actions > (found?.actions ?? 0)) found = { pnn, actions };
    }
    return found;
  }
}
