// The tickle adapter wired to the kernel: raw IP sockets of the native addon, real timers.

import { systemTimers } from '../packet/timers';
import { openNativeIpSender } from './native-sender';
import { createRawTickler } from './raw-tickler';
import { TickleError, Tickler } from './tickler';
import { TickleSettings } from './tickle-settings';

export * from './tickler';
export * from './tickle-settings';

/** The Tickler the daemon uses. */
export function createSystemTickler(settings: TickleSettings, onError: (error: TickleError) => void): Tickler {
  return createRawTickler(settings, { openSender: openNativeIpSender, timers: systemTimers, onError });
}
