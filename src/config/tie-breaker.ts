// The `cluster.tie_breaker` value: which half of an even split keeps quorum (`lowest`, `none`, or an order of node numbers).

import { Pnn } from '../core/flags';

/** `none`, or the nodes tried first (the rest follow lowest first); [] is `lowest`. */
export type TieBreaker = 'none' | readonly Pnn[];

export function parseTieBreaker(text: string): { ok: true; value: TieBreaker } | { ok: false; error: string } {
  const trimmed = text.trim();
  if (trimmed === 'lowest') return { ok: true, value: [] };
  if (trimmed === 'none') return { ok: true, value: 'none' };
  const parts = trimmed.split(',').map((part) => part.trim());
  if (parts.every((part) => /^\d{1,5}$/.test(part))) {
    const order = parts.map(Number);
    if (new Set(order).size === order.length) return { ok: true, value: order };
    return { ok: false, error: `${JSON.stringify(text)} names a node twice: list each node number once` };
  }
  return { ok: false, error: `${JSON.stringify(text)} is not a tie-breaker: use "lowest", "none" or node numbers in order, e.g. "3,1"` };
}

export function formatTieBreaker(value: TieBreaker): string {
  if (value === 'none') return 'none';
  return value.length === 0 ? 'lowest' : value.join(',');
}
