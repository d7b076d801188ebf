// The mesh's redial cap follows dead_after, so a restarted node hears a live lower peer before its rejoin wait ends.

import { Backoff } from '../../../../src/adapters/peer/backoff';
import { reconnectBackoff } from '../../../../src/daemon/wiring/reconnect';
import { defaultSettings } from '../../../../src/config/settings';

test.each([['default', 1000, 250], ['fast', 250, 62]] as const)('profile %s: dead_after %i ms -> redial at most every %i ms', (profile, deadAfter, cap) => {
  expect(defaultSettings(profile).timing.dead_after).toBe(deadAfter);
  expect(reconnectBackoff(deadAfter)).toEqual({ initialMs: 50, maxMs: cap });
});

test('however long a peer stayed away, the next dial comes within a quarter of dead_after', () => {
  const backoff = new Backoff(reconnectBackoff(1000), () => 0.999);
  const delays = Array.from({ length: 20 }, () => backoff.next());
  expect(Math.max(...delays)).toBeLessThanOrEqual(250);
  expect(delays[0]).toBeLessThanOrEqual(50);
});

test('a long dead_after keeps the mesh default cap (2 s); a tiny one never goes below the first delay', () => {
  expect(reconnectBackoff(60_000)).toEqual({ initialMs: 50, maxMs: 2000 });
  expect(reconnectBackoff(100)).toEqual({ initialMs: 50, maxMs: 50 });
});
