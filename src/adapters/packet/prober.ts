// The probe port: ask the local network who else holds an address we hold (ARP probe / DAD neighbour solicitation).

import { IpAddress } from '../../core/ip';
import { MacAddress } from '../../protocol/packets';

/** A frame heard on an interface saying that `mac` has `address`. */
export interface AddressClaim {
  readonly address: IpAddress;
  readonly iface: string;
  /** The MAC that claims the address: the ARP sender's, or the NA's target link-layer address. */
  readonly mac: MacAddress;
  /** The MAC of the interface the claim was heard on (ours). */
  readonly ownMac: MacAddress;
  /** What said so: an answer to our probe, or the other holder's own traffic heard meanwhile. */
  readonly how: 'arp-reply' | 'arp-request' | 'neighbor-advert';
}

export interface AddressProber {
  /**
   * Sends one probe per address on `iface` (all at once) and listens for the answer
   * window. Resolves when the window closes with every claim of these addresses heard
   * meanwhile, ours included (the caller judges them); rejects with a ProbeError when
   * the probes could not be sent.
   */
  probe(iface: string, addresses: readonly IpAddress[]): Promise<AddressClaim[]>;
  /** Ends every window at once (their probes resolve with what was heard) and closes the sockets. */
  close(): void;
}

export type ProbeErrorCode = 'E_PROBE_LINK' | 'E_PROBE_NOT_ETHERNET' | 'E_PROBE_SEND' | 'E_PROBE_CLOSED';

export class ProbeError extends Error {
  constructor(readonly code: ProbeErrorCode, message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'ProbeError';
  }
}
