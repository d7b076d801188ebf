// A token bucket: how many frames an interface may send now, given the time (passed in, no clock here).

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  /** `ratePerSecond` tokens are added per second, up to `capacity`; starts full at `now`. */
  constructor(private readonly ratePerSecond: number, private readonly capacity: number, now: number) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  /** Whole tokens available at `now`. */
  available(now: number): number {
    this.refill(now);
    return Math.floor(this.tokens);
  }

  /** Takes `count` tokens; the caller checked `available` first. */
  take(count: number, now: number): void {
    this.refill(now);
    this.tokens -= count;
  }

  /** Milliseconds from `now` until `count` tokens are available (0 if they are). */
  waitFor(count: number, now: number): number {
    this.refill(now);
    const missing = Math.min(count, this.capacity) - this.tokens;
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.ratePerSecond);
  }

  private refill(now: number): void {
    if (now <= this.updatedAt) return; // a clock that steps back earns nothing
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) * this.ratePerSecond) / 1000);
    this.updatedAt = now;
  }
}
