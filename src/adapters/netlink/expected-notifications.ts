// The notifications our own changes will cause: expected in advance, recognised when they come, and not reported as news.
//
// The adapter applies its own changes to the view when the kernel acknowledges them
// (events with byUs = true). The multicast notifications those changes cause come on
// the watcher's socket, before or after the ACK; each is expected before the request
// goes out, so whichever comes first, the notification is swallowed, not reported as
// someone else's change.

import { Clock } from '../clock';

export type Expectation = 'added' | 'removed';

/** A notification our own change will cause; `seen` once it arrived (or a resync made waiting pointless). */
export interface ExpectedNotification {
  readonly kind: Expectation;
  seen?: boolean;
  onSeen?: () => void;
}

export class ExpectedNotifications {
  /** Per address key, in the order the changes were sent. */
  private readonly byKey = new Map<string, ExpectedNotification[]>();

  expect(key: string, kind: Expectation): ExpectedNotification {
    const token: ExpectedNotification = { kind };
    const queue = this.byKey.get(key);
    if (queue) queue.push(token);
    else this.byKey.set(key, [token]);
    return token;
  }

  /** The request failed: its notification will not come. */
  cancel(key: string, token: ExpectedNotification): void {
    const queue = this.byKey.get(key);
    const at = queue?.indexOf(token) ?? -1;
    if (!queue || at < 0) return;
    queue.splice(at, 1);
    if (queue.length === 0) this.byKey.delete(key);
  }

  /** True when this notification is the next one our own changes caused for `key` (it is then marked seen). */
  consume(key: string, kind: Expectation): boolean {
    const queue = this.byKey.get(key);
    if (!queue || queue[0].kind !== kind) return false;
    markSeen(queue.shift() as ExpectedNotification);
    if (queue.length === 0) this.byKey.delete(key);
    return true;
  }

  /** The kernel was read afresh: nothing is waited for any more. */
  forgetAll(): void {
    for (const queue of this.byKey.values()) queue.forEach(markSeen);
    this.byKey.clear();
  }
}

function markSeen(token: ExpectedNotification): void {
  token.seen = true;
  token.onSeen?.();
}

/** Resolves when the notification was seen, or after `timeoutMs` at the latest. */
export function untilSeen(token: ExpectedNotification, timeoutMs: number, clock: Clock): Promise<void> {
  if (token.seen) return Promise.resolve();
  return new Promise((resolve) => {
    const cancel = clock.schedule(timeoutMs, resolve);
    token.onSeen = () => {
      cancel();
      resolve();
    };
  });
}
