// Checks that a daemon's result has the shape a formatter reads, so a version mismatch is a clear error, not a crash.

/** The daemon answered, but not with what this floatip expects. */
export class ReplyShapeError extends Error {
  readonly code = 'E_CONTROL_BAD_REPLY';
  constructor(what: string, problem: string) {
    super(`the daemon's answer to ${what} ${problem}: are floatip and floatipd the same version?`);
    this.name = 'ReplyShapeError';
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `value` as an object holding at least `keys`; the caller then reads it as its result type. */
export function expectRecord<T>(value: unknown, what: string, keys: readonly (keyof T & string)[]): T {
  if (!isRecord(value)) throw new ReplyShapeError(what, 'is not an object');
  const missing = keys.find((key) => !(key in value));
  if (missing !== undefined) throw new ReplyShapeError(what, `has no field '${missing}'`);
  return value as T;
}

/** `value` as a list of objects each holding at least `keys`. */
export function expectList<T>(value: unknown, what: string, keys: readonly (keyof T & string)[]): T[] {
  if (!Array.isArray(value)) throw new ReplyShapeError(what, 'is not a list');
  return value.map((item, i) => expectRecord<T>(item, `${what} (item ${i})`, keys));
}
