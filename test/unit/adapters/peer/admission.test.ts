// The admission table: which accepted mesh connections may start a handshake, one line per case.

import { admit, AdmissionFacts, laneOf } from '../../../../src/adapters/peer/admission';

const base: AdmissionFacts = {
  pnn: 0, localPnn: 1, lane: 'open', pendingFromSource: 0, pendingOpen: 0, maxPendingPerSource: 4, maxPendingHandshakes: 64,
};

describe('admit', () => {
  test.each<[string, Partial<AdmissionFacts>, string | 'ok']>([
    ['a node with free slots', {}, 'ok'],
    ['not an address in nodes: refused before any slot', { pnn: undefined, pendingFromSource: 0 }, 'E_UNKNOWN_PEER'],
    ['our own address (a local process)', { pnn: 1 }, 'E_OWN_ADDRESS'],
    ['its source slots full', { pendingFromSource: 4 }, 'E_TOO_MANY_HANDSHAKES'],
    ['open lanes full together', { pendingOpen: 64 }, 'E_TOO_MANY_HANDSHAKES'],
    ['reserved lane: the open lanes being full does not matter', { lane: 'reserved', pendingOpen: 64 }, 'ok'],
    ['reserved lane: its own slots are bounded too', { lane: 'reserved', pendingFromSource: 4 }, 'E_TOO_MANY_HANDSHAKES'],
    ['another node while this source is flooded', { pnn: 2, pendingFromSource: 0, pendingOpen: 4 }, 'ok'],
  ])('%s', (_, facts, expected) => {
    const admission = admit({ ...base, ...facts });
    expect(admission.ok ? 'ok' : admission.code).toBe(expected);
  });
});

describe('laneOf', () => {
  test.each<[number | undefined, string]>([[665, 'reserved'], [1023, 'reserved'], [1024, 'open'], [40000, 'open'], [undefined, 'open']])(
    'source port %s: %s', (port, lane) => expect(laneOf(port)).toBe(lane));
});
