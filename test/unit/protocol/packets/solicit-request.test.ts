// A client's questions (the soak's and the failover bench's probes): ARP request and neighbour solicitation, byte by byte, with a checksum that verifies.

import { ip, ipBytes } from '../../../../src/core/ip';
import {
  addWords, buildArpRequest, buildNeighborSolicit, finishChecksum, mac, pseudoHeaderSum, solicitedNode,
} from '../../../../src/protocol/packets';

const client = mac('02:00:00:00:00:fa');

test('ARP request: broadcast, who has TARGET tell CLIENT, padded to the minimum frame', () => {
  const frame = buildArpRequest(client, ip('198.51.100.250'), ip('198.51.100.7'));
  expect(frame.length).toBe(60);
  expect(frame.subarray(0, 42).toString('hex')).toBe(
    'ffffffffffff' + '0200000000fa' + '0806'
    + '0001' + '0800' + '06' + '04' + '0001'
    + '0200000000fa' + 'c63364fa'
    + '000000000000' + 'c6336407');
  expect(frame.subarray(42).every((b) => b === 0)).toBe(true);
});

test('solicited-node group: ff02::1:ff and the last 24 bits of the target', () => {
  expect(solicitedNode(ip('2001:db8:100::1')).text).toBe('ff02::1:ff00:1');
  expect(solicitedNode(ip('2001:db8:100::ab:cdef')).text).toBe('ff02::1:ffab:cdef');
});

test('neighbour solicitation: to the group\'s MAC and address, hop limit 255, target and our MAC option, a checksum that sums to zero', () => {
  const source = ip('2001:db8:100::ffff');
  const target = ip('2001:db8:100::2');
  const frame = buildNeighborSolicit(client, source, target);
  expect(frame.length).toBe(14 + 40 + 32);
  expect(frame.subarray(0, 14).toString('hex')).toBe('3333ff000002' + '0200000000fa' + '86dd');
  expect(frame.readUInt16BE(18)).toBe(32);
  expect(frame[20]).toBe(58);
  expect(frame[21]).toBe(255);
  expect(Buffer.from(frame.subarray(22, 38))).toEqual(Buffer.from(ipBytes(source)));
  expect(ip('ff02::1:ff00:2').text).toBe(solicitedNode(target).text);
  expect(Buffer.from(frame.subarray(38, 54))).toEqual(Buffer.from(ipBytes(ip('ff02::1:ff00:2'))));
  const ns = frame.subarray(54);
  expect(ns[0]).toBe(135);
  expect(Buffer.from(ns.subarray(8, 24))).toEqual(Buffer.from(ipBytes(target)));
  expect(ns.subarray(24, 32).toString('hex')).toBe('0101' + '0200000000fa');
  // A receiver adds the pseudo-header and the whole message, checksum included: a valid one gives 0.
  expect(finishChecksum(addWords(pseudoHeaderSum(source, ip('ff02::1:ff00:2'), 58, ns.length), ns))).toBe(0);
});
