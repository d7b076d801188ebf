// Peer message types as the runtime uses them: one import for the message shapes and a helper type.

import { SessionMessage } from '../../protocol/frame-session';

export type {
  IpReallocatedAck, IpReallocatedOrder, RunCountedMessage, ReleaseAck, ReleaseOrder, TakeAck, TakeOrder, TickleDelta, TickleFull,
  HeartbeatMessage, RunRecordMessage, AdminRequestMessage, AdminReplyMessage, AdminRequest, PublicAddressesMessage, LeavingMessage,
} from '../../protocol/frame-messages';
export type { SessionMessage } from '../../protocol/frame-session';

/** The session message(s) of the given kind(s). */
export type SessionMessageOf<K extends SessionMessage['kind']> = Extract<SessionMessage, { kind: K }>;
