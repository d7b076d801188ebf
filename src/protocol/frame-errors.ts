// Typed errors of the peer frame codec and handshake: a stable code, whether the stream is lost, and what to do.

/**
 * Why a received frame was dropped. `fatal` errors poison the connection
 * (framing is lost or the peer cannot be trusted): the adapter logs, counts and
 * closes it, and reconnects with a fresh handshake. The others drop one frame
 * of an authenticated, still well-framed stream.
 */
export type FrameErrorCode =
  | 'E_BAD_MAGIC'
  | 'E_BAD_VERSION'
  | 'E_FRAME_TOO_SMALL'
  | 'E_FRAME_TOO_LARGE'
  | 'E_BAD_MAC'
  | 'E_REPLAY'
  | 'E_SEQ_GAP'
  | 'E_TRUNCATED'
  | 'E_UNKNOWN_TYPE'
  | 'E_BAD_PAYLOAD'
  | 'E_HANDSHAKE'
  | 'E_WRONG_KEY'
  | 'E_PEER_IDENTITY'
  | 'E_NOT_DIALLER';

/** Errors that leave the stream framed and authenticated: only the one frame is dropped. */
const RECOVERABLE: ReadonlySet<FrameErrorCode> = new Set<FrameErrorCode>(['E_UNKNOWN_TYPE', 'E_BAD_PAYLOAD']);

export class FrameError extends Error {
  readonly fatal: boolean;

  /** `field` names the payload field at fault (E_BAD_PAYLOAD), as `heartbeat.links[2].iface`. */
  constructor(readonly code: FrameErrorCode, message: string, readonly field?: string) {
    super(message);
    this.name = 'FrameError';
    this.fatal = !RECOVERABLE.has(code);
  }
}

/** Why a message could not be encoded: the caller's values are out of range (a bug, not input). */
export type FrameBuildErrorCode = 'E_BAD_MESSAGE' | 'E_FRAME_TOO_LARGE' | 'E_NOT_ESTABLISHED';

export class FrameBuildError extends Error {
  constructor(readonly code: FrameBuildErrorCode, message: string, readonly field?: string) {
    super(message);
    this.name = 'FrameBuildError';
  }
}

/** Options a codec or session cannot work with (short key, wrong nonce length, MAC of the wrong size). */
export class FrameSetupError extends Error {
  readonly code = 'E_FRAME_SETUP';
  constructor(readonly option: string, detail: string) {
    super(`peer frame setup: ${option} ${detail}`);
    this.name = 'FrameSetupError';
  }
}

/**
 * Thrown inside payload readers and caught at the decoder's edge, where it becomes
 * an E_BAD_PAYLOAD FrameError. Never escapes the protocol layer.
 */
export class PayloadFieldError extends Error {
  constructor(readonly field: string, readonly detail: string) {
    super(`${field} ${detail}`);
    this.name = 'PayloadFieldError';
  }
}
