// fast-check generators of valid control requests, one per command (enforced by the type).

import fc from 'fast-check';
import { IpAddress, ipFromBytes, IpPrefix } from '../../../src/core/ip';
import { CommandArgs, CommandName, ControlRequest } from '../../../src/protocol/control';

const ipArb: fc.Arbitrary<IpAddress> = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
).map((b) => ipFromBytes(b));
const prefixArb: fc.Arbitrary<IpPrefix> = ipArb.chain((address) =>
  fc.integer({ min: 1, max: address.family === 4 ? 32 : 128 }).map((bits) => ({ address, bits })));
const pnnArb = fc.integer({ min: 0, max: 0xfffffffe });
const ifaceArb = fc.stringMatching(/^[!-.0-9;-~]{1,15}$/).filter((s) => s !== '.' && s !== '..');
const eventArb = fc.stringMatching(/^[a-z]{1,32}$/);
const scriptArb = fc.stringMatching(/^[0-9]{2}\.[a-z0-9_-]{1,20}$/);
const noArgs = fc.constant({} as Record<string, never>);
const onNode = fc.record({ pnn: pnnArb }, { requiredKeys: [] });

const ARGS: { readonly [C in CommandName]: fc.Arbitrary<CommandArgs[C]> } = {
  status: noArgs,
  ip: fc.oneof(fc.record({ verbose: fc.boolean(), pnn: pnnArb }, { requiredKeys: [] }), fc.record({ verbose: fc.boolean(), all: fc.constant(true) }, { requiredKeys: ['all'] })),
  ifaces: onNode,
  disable: onNode,
  enable: onNode,
  stop: onNode,
  continue: onNode,
  ban: fc.record({ seconds: fc.integer({ min: 1, max: 0xffffffff }), pnn: pnnArb }, { requiredKeys: ['seconds'] }),
  unban: onNode,
  moveip: fc.record({ ip: ipArb, pnn: pnnArb }),
  addip: fc.record({ prefix: prefixArb, ifaces: fc.uniqueArray(ifaceArb, { minLength: 1, maxLength: 16 }) }),
  delip: fc.record({ ip: ipArb }),
  reloadips: noArgs,
  reloadnodes: noArgs,
  ipreallocate: fc.record({ rebalance: fc.uniqueArray(pnnArb, { minLength: 1, maxLength: 8 }) }, { requiredKeys: [] }),
  gratarp: fc.record({ ip: ipArb, iface: ifaceArb }),
  gettickles: fc.record({ ip: ipArb }),
  'event-status': fc.record({ event: eventArb }, { requiredKeys: [] }),
  'event-run': fc.record({
    event: eventArb,
    args: fc.array(fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0')), { maxLength: 16 }),
    timeoutMs: fc.integer({ min: 1, max: 3_600_000 }),
  }),
  'event-script': fc.oneof(
    fc.constant({ action: 'list' as const }),
    fc.record({ action: fc.constantFrom('enable' as const, 'disable' as const), name: scriptArb }),
  ),
  leader: noArgs,
  listnodes: noArgs,
  ping: noArgs,
  uptime: noArgs,
  history: fc.record({ limit: fc.integer({ min: 1, max: 100_000 }) }, { requiredKeys: [] }),
  'ctdb-tool': fc.record({
    argv: fc.array(fc.string({ maxLength: 40 }).filter((s) => !s.includes('\0')), { maxLength: 32 }),
    stdin: fc.string({ maxLength: 200 }),
  }, { requiredKeys: ['argv'] }),
};

export const requestArb: fc.Arbitrary<ControlRequest> = fc.oneof(
  ...(Object.entries(ARGS) as Array<[CommandName, fc.Arbitrary<unknown>]>).map(([command, args]) =>
    fc.record({ id: fc.maxSafeNat(), args }).map(({ id, args: a }) => ({ id, command, args: a }) as ControlRequest)),
);
