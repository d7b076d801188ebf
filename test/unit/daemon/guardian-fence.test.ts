// The guardian's fence deletes until the kernel shows no tagged address: an interrupted dump that missed one is not the end.

import { NetlinkError } from '../../../src/adapters/netlink/errors';
import { NetlinkReply } from '../../../src/adapters/netlink/channel';
import { decodeAddress, encodeAddress, RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR } from '../../../src/adapters/netlink/rtnl-codec';
import { FENCE_ROUNDS, FenceChannel, TaggedAddressFence } from '../../../src/daemon/guardian-fence';
import { ip } from '../../../src/core/ip';

const TAG = 0xf1;

/** A kernel of addresses on interface 2; `dumps` lets a test shape what each dump shows. */
class FakeKernel implements FenceChannel {
  readonly present = new Set<string>();
  readonly deletes: string[] = [];
  /** Addresses the dump flags as IPv4 secondaries (IFA_F_SECONDARY). */
  readonly secondaries = new Set<string>();
  refuse: string | undefined;
  /** Given the addresses present, what dump number n returns (default: all of them, consistent). */
  shape: (n: number, present: string[]) => { shown: string[]; interrupted: boolean } = (_n, present) => ({ shown: present, interrupted: false });
  private dumps = 0;

  async request(type: number, payload: Uint8Array[]): Promise<NetlinkReply> {
    if (type === RTM_GETADDR) {
      const { shown, interrupted } = this.shape(++this.dumps, [...this.present]);
      const messages = shown.map((text) => {
        const data = Buffer.concat(encodeAddress({ index: 2, address: ip(text), bits: 24, proto: TAG }).map((b) => Buffer.from(b)));
        if (this.secondaries.has(text)) data[2] |= 0x01; // ifa_flags: IFA_F_SECONDARY
        return { type: RTM_NEWADDR, flags: 0, seq: 0, port: 0, data };
      });
      return { messages: messages as unknown as NetlinkReply['messages'], interrupted };
    }
    expect(type).toBe(RTM_DELADDR);
    const text = (decodeAddress({ type: RTM_NEWADDR, flags: 0, seq: 0, port: 0, data: Buffer.concat(payload.map((b) => Buffer.from(b))) } as never))?.address.text as string;
    this.deletes.push(text);
    if (text === this.refuse) throw new NetlinkError('E_NETLINK_REQUEST' as never, `deleting ${text}/24: Operation not permitted`, 'EPERM');
    if (!this.present.delete(text)) throw new NetlinkError('E_NETLINK_REQUEST' as never, `deleting ${text}/24: gone`, 'EADDRNOTAVAIL');
    return { messages: [], interrupted: false };
  }

  close(): void {}
}

function kernelWith(count: number): FakeKernel {
  const kernel = new FakeKernel();
  for (let i = 1; i <= count; i++) kernel.present.add(`198.51.100.${i}`);
  return kernel;
}

test('an interrupted dump that missed an address: the next round deletes it', async () => {
  const kernel = kernelWith(5);
  // The first dump ran while the daemon deleted its own: flagged interrupted, one address missing.
  kernel.shape = (n, present) => (n === 1 ? { shown: present.filter((a) => a !== '198.51.100.3'), interrupted: true } : { shown: present, interrupted: false });
  const report = await new TaggedAddressFence(TAG, kernel).removeTagged();
  expect(kernel.present.size).toBe(0);
  expect(report.removed.map((r) => r.address).sort()).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5']);
  expect(report.failed).toEqual([]);
});

test('an address that shows again after its delete is deleted again and reported once', async () => {
  const kernel = kernelWith(2);
  let readded = false;
  kernel.shape = (_n, present) => {
    if (!readded && !kernel.present.has('198.51.100.1')) {
      readded = true;
      kernel.present.add('198.51.100.1'); // the dying daemon's last add landed after our delete
      return { shown: [...kernel.present], interrupted: false };
    }
    return { shown: present, interrupted: false };
  };
  const report = await new TaggedAddressFence(TAG, kernel).removeTagged();
  expect(kernel.present.size).toBe(0);
  expect(kernel.deletes.filter((a) => a === '198.51.100.1')).toHaveLength(2);
  expect(report.removed.map((r) => r.address).sort()).toEqual(['198.51.100.1', '198.51.100.2']);
});

test('a delete the kernel refuses is reported once, with its reason, and does not loop', async () => {
  const kernel = kernelWith(3);
  kernel.refuse = '198.51.100.2';
  const report = await new TaggedAddressFence(TAG, kernel).removeTagged();
  expect(report.failed).toEqual([{ address: '198.51.100.2/24', error: 'deleting 198.51.100.2/24: Operation not permitted' }]);
  expect(kernel.deletes.filter((a) => a === '198.51.100.2')).toHaveLength(1);
  expect(kernel.present).toEqual(new Set(['198.51.100.2']));
});

test('a kernel whose dumps never settle: the fence stops after its rounds and names what is left', async () => {
  const kernel = kernelWith(1);
  kernel.shape = () => ({ shown: ['198.51.100.9'], interrupted: true }); // an address that keeps coming back
  const report = await new TaggedAddressFence(TAG, kernel).removeTagged();
  expect(kernel.deletes.filter((a) => a === '198.51.100.9')).toHaveLength(FENCE_ROUNDS);
  expect(report.failed).toEqual([{ address: '198.51.100.9/24', error: `still present after ${FENCE_ROUNDS} rounds of deletes` }]);
});

test('deletes the secondaries of a subnet before its primary, so the kernel promotes none', async () => {
  const kernel = kernelWith(4);
  // The dump lists the primary first, as the kernel does.
  for (const text of ['198.51.100.2', '198.51.100.3', '198.51.100.4']) kernel.secondaries.add(text);
  const report = await new TaggedAddressFence(TAG, kernel).removeTagged();
  expect(kernel.deletes).toEqual(['198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.1']);
  expect(report.removed).toHaveLength(4);
});
