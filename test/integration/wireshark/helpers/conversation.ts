// Builds a real peer conversation with the project's own encoder: HELLO, PROOF, then messages, under the real session keys.

import { createHmac } from 'node:crypto';
import { encodeFrame, MacFunction, DEFAULT_MAX_FRAME_BYTES } from '../../../../src/protocol/frame';
import { HelloMessage, PeerMessage } from '../../../../src/protocol/frame-messages';
import { clusterFingerprint, HELLO_MAC_KEY, sessionKeys } from '../../../../src/protocol/frame-session';

export const hmac: MacFunction = (key, data) => new Uint8Array(createHmac('sha256', key).update(data).digest());

export interface EncodedFrame {
  readonly from: 'client' | 'server';
  readonly seq: number;
  readonly message: PeerMessage;
  readonly bytes: Uint8Array;
}

/** The two HELLOs every conversation here starts with (fixed nonces), and the direction keys they give. */
export function conversationHandshake(clusterKey: Uint8Array): {
  initiator: HelloMessage; responder: HelloMessage; keys: ReturnType<typeof sessionKeys>;
} {
  const fingerprint = clusterFingerprint(hmac, clusterKey);
  const hello = (role: 'initiator' | 'responder', pnn: number, fill: number): HelloMessage => ({
    kind: 'hello', role, pnn, clusterFingerprint: fingerprint, nonce: new Uint8Array(32).fill(fill), maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  });
  const initiator = hello('initiator', 0, 0xa1);
  const responder = hello('responder', 2, 0xb2);
  return { initiator, responder, keys: sessionKeys(hmac, clusterKey, initiator, responder) };
}

/**
 * The frames of one connection: both HELLOs, both PROOFs, then `messages` from the
 * dialling side (`client`, pnn 0) and `replies` from the accepting side (pnn 2).
 */
export function peerConversation(clusterKey: Uint8Array, messages: readonly PeerMessage[], replies: readonly PeerMessage[] = []): EncodedFrame[] {
  const { initiator, responder, keys } = conversationHandshake(clusterKey);
  const frame = (from: 'client' | 'server', seq: number, message: PeerMessage, key: Uint8Array): EncodedFrame => ({
    from, seq, message, bytes: encodeFrame(message, seq, key, hmac, DEFAULT_MAX_FRAME_BYTES),
  });
  return [
    frame('client', 0, initiator, HELLO_MAC_KEY),
    frame('server', 0, responder, HELLO_MAC_KEY),
    frame('client', 1, { kind: 'proof', peerNonce: responder.nonce }, keys.initiatorToResponder),
    frame('server', 1, { kind: 'proof', peerNonce: initiator.nonce }, keys.responderToInitiator),
    ...messages.map((message, i) => frame('client', 2 + i, message, keys.initiatorToResponder)),
    ...replies.map((message, i) => frame('server', 2 + i, message, keys.responderToInitiator)),
  ];
}
