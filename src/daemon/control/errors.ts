// Why the control server could not start: typed, with what the admin should do.

export type ControlServerErrorCode =
  /** Another daemon answers on the socket path. */
  | 'E_CONTROL_SOCKET_IN_USE'
  /** Something that is not a socket sits at the path, or its directory cannot be made. */
  | 'E_CONTROL_SOCKET_PATH'
  | 'E_CONTROL_LISTEN';

export class ControlServerError extends Error {
  constructor(readonly code: ControlServerErrorCode, message: string) {
    super(message);
    this.name = 'ControlServerError';
  }
}
