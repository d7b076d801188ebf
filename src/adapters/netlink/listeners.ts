// The subscribers to netlink events: each hears every event; one that throws is reported, and the rest still hear it.

import { NetlinkError } from './errors';
import { NetlinkEvent, NetlinkListener } from './port';

/** Where a failing subscriber is reported: the daemon logs it. */
export type ListenerFailureReport = (failure: NetlinkError) => void;

export class NetlinkListeners {
  private readonly listeners = new Set<NetlinkListener>();

  constructor(private readonly report: ListenerFailureReport) {}

  subscribe(listener: NetlinkListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  emit(event: NetlinkEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        // A subscriber's failure is its own: the others still hear the event, and someone hears of the failure.
        this.reportSafely(listenerFailed(event, error));
      }
    }
  }

  /** Emit runs inside the netlink package's native callbacks, where a throw aborts the process. */
  private reportSafely(failure: NetlinkError): void {
    try {
      this.report(failure);
    } catch {
      // A report that throws has nowhere left to go; the event loop must survive it.
    }
  }
}

/** `address-added 192.0.2.1/24 on eth0`, `link-changed eth0`: which event a subscriber failed on. */
export function describeEvent(event: NetlinkEvent): string {
  switch (event.kind) {
    case 'address-added':
    case 'address-removed':
      return `${event.kind} ${event.address.address.text}/${event.address.bits} on ${event.address.interface}`;
    case 'link-changed':
    case 'link-removed':
      return `${event.kind} ${event.link.name}`;
    case 'resync':
      return `resync (${event.reason})`;
  }
}

export function listenerFailed(event: NetlinkEvent, error: unknown): NetlinkError {
  const why = error instanceof Error ? error.message : String(error);
  return new NetlinkError('E_NETLINK_LISTENER',
    `a subscriber to netlink events failed on ${describeEvent(event)}: ${why}; the other subscribers heard the event, ` +
    'this one may have missed its effect: report it as a bug');
}
