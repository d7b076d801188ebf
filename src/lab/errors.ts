// Typed failures of `floatip lab`: a stable code per kind, and a message that says what to do next.

export type LabErrorCode =
  /** Not run as root: namespaces, links and addresses need CAP_NET_ADMIN. */
  | 'E_LAB_NOT_ROOT'
  /** A program the lab runs (`ip`, ...) is not installed. */
  | 'E_LAB_MISSING_COMMAND'
  /** A command the lab ran failed. */
  | 'E_LAB_COMMAND_FAILED'
  /** `up` while a lab with this prefix exists. */
  | 'E_LAB_ALREADY_UP'
  /** A command that needs a running lab found none. */
  | 'E_LAB_NOT_UP'
  /** The state file is unreadable or not ours. */
  | 'E_LAB_STATE'
  /** The generated configuration did not pass loadConfig (a bug in the lab, reported with every issue). */
  | 'E_LAB_CONFIG'
  /** Some floatipd did not come up. */
  | 'E_LAB_DAEMONS'
  /** A node number or name the lab does not have. */
  | 'E_LAB_UNKNOWN_NODE'
  /** A fault that does not apply (no daemon to kill, ...). */
  | 'E_LAB_FAULT'
  /** Lab options that cannot make a lab (too many addresses, a too long path, ...). */
  | 'E_LAB_PLAN';

export class LabError extends Error {
  constructor(readonly code: LabErrorCode, message: string) {
    super(message);
    this.name = 'LabError';
  }
}
