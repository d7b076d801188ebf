// The guardian's one action: delete every address carrying floatip's IFA_PROTO tag, straight over rtnetlink.
//
// It uses the netlink adapter's request channel and codec but not the adapter itself:
// no watcher child, no kernel view to load, so the guardian starts cheaply and
// fencing is one dump plus one delete per tagged address. The socket is opened when
// the guardian starts, not when it fences.

import { NetlinkChannel } from '../adapters/netlink/channel';
import { NetlinkError } from '../adapters/netlink/errors';
import { DecodedAddress, decodeAddress, encodeAddress, encodeAddressDump, RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR } from '../adapters/netlink/rtnl-codec';

const NETLINK_ROUTE = 0;

export interface FencedAddress {
  readonly index: number;
  readonly address: string;
  readonly bits: number;
}

export interface FenceReport {
  readonly removed: FencedAddress[];
  /** Tagged addresses the kernel would not delete, with its reason. */
  readonly failed: { readonly address: string; readonly error: string }[];
}

export class TaggedAddressFence {
  private readonly channel: NetlinkChannel;

  constructor(private readonly addressProtocol: number) {
    this.channel = new NetlinkChannel(NETLINK_ROUTE);
  }

  /**
   * Runs the read path once and builds (without sending) a delete request, so the
   * code fencing needs is loaded and compiled before it is needed: a cold first run
   * costs several milliseconds while the addresses keep answering.
   */
  async warmUp(): Promise<number> {
    const tagged = await this.listTagged();
    for (const a of tagged) encodeAddress({ index: a.index, address: a.address, bits: a.bits });
    return tagged.length;
  }

  async removeTagged(): Promise<FenceReport> {
    const tagged = await this.listTagged();
    const report: FenceReport = { removed: [], failed: [] };
    await Promise.all(tagged.map(async (a) => {
      const text = `${a.address.text}/${a.bits}`;
      try {
        await this.channel.request(RTM_DELADDR, encodeAddress({ index: a.index, address: a.address, bits: a.bits }), { what: `deleting ${text}` });
        report.removed.push({ index: a.index, address: a.address.text, bits: a.bits });
      } catch (error) {
        // Gone already (someone else deleted it, or the interface vanished): that is what we wanted.
        if (error instanceof NetlinkError && (error.errno === 'EADDRNOTAVAIL' || error.errno === 'ENODEV')) return;
        report.failed.push({ address: text, error: (error as Error).message });
      }
    }));
    return report;
  }

  private async listTagged(): Promise<DecodedAddress[]> {
    const dump = await this.channel.request(RTM_GETADDR, encodeAddressDump(), { dump: true, what: 'reading the addresses' });
    const tagged: DecodedAddress[] = [];
    for (const message of dump.messages) {
      if (message.type !== RTM_NEWADDR) continue;
      const address = decodeAddress(message);
      if (address !== undefined && address.proto === this.addressProtocol) tagged.push(address);
    }
    return tagged;
  }

  close(): void {
    this.channel.close();
  }
}
