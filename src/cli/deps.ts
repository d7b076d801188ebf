// What CLI commands need from outside the process, beyond CliIo: environment, clocks, the daemon, the kernel.

import { AddressPort, Startable } from '../adapters/netlink/port';
import { ControlTransport } from '../client/control-client';

export interface CliDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A transport to the daemon listening on `socketPath`. */
  readonly connect: (socketPath: string) => ControlTransport;
  /** Wall clock, epoch ms (uptime's "how long ago"). */
  readonly now: () => number;
  /** Monotonic ms (ping's round trip). */
  readonly monotonicMs: () => number;
  /** Resolves after `ms` (wait-ok between two questions). */
  readonly sleep: (ms: number) => Promise<void>;
  /** The kernel's addresses, for `floatip cleanup` (which works without the daemon). */
  readonly openAddresses: () => Promise<AddressPort & Startable>;
}
