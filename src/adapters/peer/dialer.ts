// Keeps one outgoing connection to one peer: dial at once, and after every loss dial again after a backoff delay.

import { Backoff } from './backoff';

export interface DialerHooks {
  /** Starts one connection attempt; `done` must be called once when that attempt's connection is over. */
  dial(done: () => void): void;
}

export class Dialer {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private connecting = false;
  attempts = 0;

  constructor(private readonly backoff: Backoff, private readonly hooks: DialerHooks) {}

  start(): void {
    this.running = true;
    this.attempt();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The connection completed its handshake: the next loss retries after the shortest delay. */
  succeeded(): void {
    this.backoff.reset();
  }

  private attempt(): void {
    this.timer = undefined;
    if (!this.running || this.connecting) return;
    this.connecting = true;
    this.attempts++;
    let finished = false;
    this.hooks.dial(() => {
      if (finished) return;
      finished = true;
      this.connecting = false;
      if (!this.running) return;
      this.timer = setTimeout(() => this.attempt(), this.backoff.next());
    });
  }
}
