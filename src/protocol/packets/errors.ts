// The error raised when a packet cannot be built from the values given (a caller's mistake).

export type PacketBuildErrorCode = 'E_PACKET_FAMILY' | 'E_PACKET_FIELD';

export class PacketBuildError extends Error {
  constructor(readonly code: PacketBuildErrorCode, message: string) {
    super(message);
    this.name = 'PacketBuildError';
  }
}
