// The CTDB event names and the positional arguments of each: one list for config, runner and CLI.

/** Every event a script can receive, in CTDB's spelling and in the order of a node's life. */
export const EVENT_NAMES = [
  'init',
  'setup',
  'startup',
  'monitor',
  'startrecovery',
  'recovered',
  'takeip',
  'releaseip',
  'updateip',
  'startipreallocate',
  'ipreallocated',
  'shutdown',
] as const;

export type EventName = (typeof EVENT_NAMES)[number];

/** The positional arguments of each event, as CTDB passes them after the event name. */
export const EVENT_ARGUMENTS: Readonly<Record<EventName, readonly string[]>> = {
  init: [],
  setup: [],
  startup: [],
  monitor: [],
  startrecovery: [],
  recovered: [],
  takeip: ['IFACE', 'IP', 'BITS'],
  releaseip: ['IFACE', 'IP', 'BITS'],
  updateip: ['OLDIFACE', 'NEWIFACE', 'IP', 'BITS'],
  startipreallocate: [],
  ipreallocated: [],
  shutdown: [],
};

export function isEventName(name: string): name is EventName {
  return (EVENT_NAMES as readonly string[]).includes(name);
}
