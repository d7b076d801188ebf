// Cleanup that runs every step: a failed step is reported after the rest have run, so one error never leaves a lab behind.

/**
 * Runs `steps` in order, each whatever the ones before did, then throws the first error (the
 * others are named in its message). A bare `await a(); await b();` in an afterAll skips b when
 * a throws, and b is usually the lab's down.
 */
export async function cleanUpAll(...steps: ReadonlyArray<() => unknown>): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 0) return;
  const first = errors[0] instanceof Error ? errors[0] : new Error(String(errors[0]));
  if (errors.length > 1) first.message += ` (and ${errors.length - 1} more cleanup step(s) failed: ${errors.slice(1).map((e) => (e instanceof Error ? e.message : String(e))).join('; ')})`;
  throw first;
}
