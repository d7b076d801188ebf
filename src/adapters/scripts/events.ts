// The CTDB event names, the arguments each one takes, and their validation.

import { EVENT_ARGUMENTS, EVENT_NAMES, EventName, isEventName } from '../../core/events';
import { parseIp } from '../../core/ip';

export { EVENT_ARGUMENTS, EVENT_NAMES, isEventName } from '../../core/events';
export type { EventName } from '../../core/events';

/** A request to run an event that failed validation: the message says what to type instead. */
export class EventArgumentError extends Error {
  readonly code = 'E_EVENT_ARGUMENTS';
}


/** `takeip IFACE IP BITS`: the usage line of one event. */
export function eventUsage(event: EventName): string {
  return [event, ...EVENT_ARGUMENTS[event]].join(' ');
}

// Linux interface names: 1..15 bytes, no slash, no whitespace, not `.` or `..`.
const IFACE_NAME = /^[^/\s:]{1,15}$/;

function checkArgument(event: EventName, kind: string, value: string, family: { bits: number }): void {
  const fail = (why: string): never => {
    throw new EventArgumentError(`event ${event}: ${kind} ${JSON.stringify(value)} ${why} (usage: ${eventUsage(event)})`);
  };
  switch (kind) {
    case 'IFACE':
    case 'OLDIFACE':
    case 'NEWIFACE':
      if (!IFACE_NAME.test(value) || value === '.' || value === '..') fail('is not an interface name');
      return;
    case 'IP': {
      const parsed = parseIp(value);
      if (!parsed.ok) fail('is not an IPv4 or IPv6 address');
      else family.bits = parsed.value.family === 4 ? 32 : 128;
      return;
    }
    case 'BITS':
      if (!/^[0-9]{1,3}$/.test(value) || Number(value) > family.bits) fail(`must be a prefix length 0..${family.bits}`);
      return;
    default:
      fail('is not a known argument');
  }
}

/**
 * Checks an event name and its arguments as a user or the daemon gave them,
 * and returns the typed event. Throws EventArgumentError naming the bad part.
 */
export function validateEventRequest(name: string, args: readonly string[]): { event: EventName; args: string[] } {
  if (!isEventName(name)) {
    throw new EventArgumentError(`unknown event ${JSON.stringify(name)}: use one of ${EVENT_NAMES.join(', ')}`);
  }
  const expected = EVENT_ARGUMENTS[name];
  if (args.length !== expected.length) {
    throw new EventArgumentError(
      `event ${name} takes ${expected.length} argument(s), got ${args.length} (usage: ${eventUsage(name)})`,
    );
  }
  // IP comes before BITS in every event, so the family is known when BITS is checked.
  const family = { bits: 128 };
  expected.forEach((kind, i) => checkArgument(name, kind, args[i], family));
  return { event: name, args: [...args] };
}
