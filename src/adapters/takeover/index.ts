// The Takeover component in one import: the factory, its options and its port types.

export { createTakeover } from './takeover';
export type { TakeoverComponents } from './takeover';
export * from './options';
export * from './port';
export type { ClosableReplyCapture, OpenReplyCapture } from './socket-kill';
