// One way for every test to wait for a state: ask again every few ms until the answer comes, or fail naming what was awaited.

export interface PollOptions {
  /** What is awaited, for the error: "node 1 to hold 192.0.2.10". */
  readonly what: string;
  readonly timeoutMs: number;
  /** Between two asks. */
  readonly everyMs: number;
}

/** Asks `probe` until it answers something other than undefined, and returns that answer with the time it took. */
export async function pollUntil<T>(probe: () => T | undefined | Promise<T | undefined>, options: PollOptions): Promise<{ value: T; waitedMs: number }> {
  const start = performance.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return { value, waitedMs: performance.now() - start };
    if (performance.now() - start > options.timeoutMs) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    await new Promise((resolve) => setTimeout(resolve, options.everyMs));
  }
}

/** `check` as a probe: true is an answer, false is not yet. */
export function holds(check: () => boolean | Promise<boolean>): () => Promise<true | undefined> {
  return async () => ((await check()) ? true : undefined);
}
