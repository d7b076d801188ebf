// The guardian's one action: delete every address carrying floatip's IFA_PROTO tag, straight over rtnetlink.
//
// It uses the netlink adapter's request channel and codec but not the adapter itself:
// no watcher child, no kernel view to load, so the guardian starts cheaply and
// fencing is a dump plus one delete per tagged address, repeated until a dump the
// kernel calls consistent shows none. Once was not enough: a dump taken while the
// dying daemon still deleted its own addresses came back interrupted (NLM_F_DUMP_INTR)
// and without some that were still there; one of 334 stayed on a cut-off node for
// 1.5 s after the majority took it (the failover bench, fast profile, 1000 addresses).
// The socket is opened when the guardian starts, not when it fences.

import { NetlinkChannel, NetlinkReply } from '../adapters/netlink/channel';
import { secondariesFirst } from '../adapters/netlink/delete-order';
import { NetlinkError } from '../adapters/netlink/errors';
import { DecodedAddress, decodeAddress, encodeAddress, encodeAddressDump, RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR } from '../adapters/netlink/rtnl-codec';

const NETLINK_ROUTE = 0;
/** Dump-and-delete rounds before the fence reports what is left as failed. */
export const FENCE_ROUNDS = 5;

/** The one call of NetlinkChannel the fence makes (a port, so tests can hand it a kernel that answers badly). */
export interface FenceChannel {
  request(type: number, payload: Uint8Array[], options: { dump?: boolean; what: string }): Promise<NetlinkReply>;
  close(): void;
}

/** `ADDR/BITS`, how the fence names an address in its report. */
const prefixText = (a: DecodedAddress): string => `${a.address.text}/${a.bits}`;

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
  constructor(private readonly addressProtocol: number, private readonly channel: FenceChannel = new NetlinkChannel(NETLINK_ROUTE)) {}

  /**
   * Runs the read path once and builds (without sending) a delete request, so the
   * code fencing needs is loaded and compiled before it is needed: a cold first run
   * costs several milliseconds while the addresses keep answering.
   */
  async warmUp(): Promise<number> {
    const { tagged } = await this.listTagged();
    for (const a of tagged) encodeAddress({ index: a.index, address: a.address, bits: a.bits });
    return tagged.length;
  }

  /** Deletes every tagged address; what the kernel refused, or what still shows after FENCE_ROUNDS, is reported as failed. */
  async removeTagged(): Promise<FenceReport> {
    const report: FenceReport = { removed: [], failed: [] };
    const refused = new Map<string, string>();
    const removed = new Set<string>();
    for (let round = 1; ; round++) {
      const { tagged, interrupted } = await this.listTagged();
      const left = tagged.filter((a) => !refused.has(prefixText(a)));
      if (left.length === 0 && !interrupted) break;
      if (round > FENCE_ROUNDS) {
        for (const a of left) refused.set(prefixText(a), `still present after ${FENCE_ROUNDS} rounds of deletes`);
        break;
      }
      await Promise.all(secondariesFirst(left).map(async (a) => {
        const text = prefixText(a);
        try {
          await this.channel.request(RTM_DELADDR, encodeAddress({ index: a.index, address: a.address, bits: a.bits }), { what: `deleting ${text}` });
          // An address deleted once and seen again (re-added meanwhile) is reported once.
          const key = `${a.index} ${text}`;
          if (!removed.has(key)) report.removed.push({ index: a.index, address: a.address.text, bits: a.bits });
          removed.add(key);
        } catch (error) {
          // Gone already (someone else deleted it, or the interface vanished): that is what we wanted.
          if (error instanceof NetlinkError && (error.errno === 'EADDRNOTAVAIL' || error.errno === 'ENODEV')) return;
          refused.set(text, (error as Error).message);
        }
      }));
    }
    for (const [address, error] of refused) report.failed.push({ address, error });
    return report;
  }

  private async listTagged(): Promise<{ tagged: DecodedAddress[]; interrupted: boolean }> {
    const dump = await this.channel.request(RTM_GETADDR, encodeAddressDump(), { dump: true, what: 'reading the addresses' });
    const tagged: DecodedAddress[] = [];
    for (const message of dump.messages) {
      if (message.type !== RTM_NEWADDR) continue;
      const address = decodeAddress(message);
      if (address !== undefined && address.proto === this.addressProtocol) tagged.push(address);
    }
    return { tagged, interrupted: dump.interrupted };
  }

  close(): void {
    this.channel.close();
  }
}
