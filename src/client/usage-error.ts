// The error for bad arguments or input, shared by the floatip CLI, `floatip lab` and the soak.

/** A user error: bad arguments or input. Printed as `floatip NAME: message` with exit code 2. */
export class UsageError extends Error {
  readonly code = 'E_USAGE';
}
