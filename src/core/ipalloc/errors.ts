// Typed errors of the allocator: an inconsistent cluster description is the caller's bug or bad input.

/** The allocator was given a state it cannot work on; the message says what to fix. */
export class IpallocInputError extends Error {
  readonly code = 'E_IPALLOC_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'IpallocInputError';
  }
}
