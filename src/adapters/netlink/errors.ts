// Typed errors of the netlink adapters, each with a stable code and a message that says what to do.

export type NetlinkErrorCode =
  | 'E_NETLINK_NO_INTERFACE'
  | 'E_NETLINK_NOT_OURS'
  | 'E_NETLINK_KERNEL'
  | 'E_NETLINK_TIMEOUT'
  | 'E_NETLINK_CLOSED'
  | 'E_NETLINK_BAD_REPLY'
  | 'E_NETLINK_LISTENER'
  /** Re-reading the kernel after lost notifications failed every attempt: the view may be stale. */
  | 'E_NETLINK_RESYNC';

export class NetlinkError extends Error {
  constructor(
    readonly code: NetlinkErrorCode,
    message: string,
    /** The kernel's errno name (EEXIST, EPERM ...) when the kernel refused a request. */
    readonly errno?: string,
  ) {
    super(message);
    this.name = 'NetlinkError';
  }
}

export function noSuchInterface(name: string): NetlinkError {
  return new NetlinkError('E_NETLINK_NO_INTERFACE',
    `interface ${name} does not exist on this node: check public_addresses or create the interface`);
}

export function notOurs(what: string): NetlinkError {
  return new NetlinkError('E_NETLINK_NOT_OURS',
    `${what} was not added by floatip (no floatip tag): floatip never removes it; remove it by hand ` +
    'or take it out of public_addresses');
}

export function channelClosed(): NetlinkError {
  return new NetlinkError('E_NETLINK_CLOSED', 'the netlink socket is closed: start the adapter before using it');
}

export function notStarted(): NetlinkError {
  return new NetlinkError('E_NETLINK_CLOSED', 'the netlink adapter is not started: call start() first');
}
