// The tickle adapter wired to the kernel: raw IP sockets of the native addon, real time (timers that keep no process alive).

import { backgroundClock } from '../clock';
import { openNativeIpSender } from './native-sender';
import { createRawTickler } from './raw-tickler';
import { TickleError, Tickler } from './tickler';
import { TickleSettings } from './tickle-settings';

export * from './tickler';
export * from './tickle-settings';

/** The Tickler the daemon uses. */
export function createSystemTickler(settings: TickleSettings, onError: (error: TickleError) => void): Tickler {
  return createRawTickler(settings, { openSender: openNativeIpSender, clock: backgroundClock, onError });
}
