// Event names and argument validation, as the CLI and the daemon submit them.

import { EVENT_NAMES, eventUsage, validateEventRequest } from '../../../../src/adapters/scripts/events';

describe('validateEventRequest', () => {
  it.each([
    ['monitor', []],
    ['takeip', ['eth0', '198.51.100.7', '24']],
    ['releaseip', ['bond0.10', '2001:db8::1', '128']],
    ['updateip', ['eth0', 'eth1', '203.0.113.9', '0']],
  ])('accepts %s %j', (event, args) => {
    expect(validateEventRequest(event, args)).toEqual({ event, args });
  });

  it.each([
    ['nosuch', [], /unknown event "nosuch": use one of init, setup/],
    ['monitor', ['extra'], /event monitor takes 0 argument\(s\), got 1/],
    ['takeip', ['eth0', '198.51.100.7'], /usage: takeip IFACE IP BITS/],
    ['takeip', ['eth0', 'not-an-ip', '24'], /IP "not-an-ip" is not an IPv4 or IPv6 address/],
    ['takeip', ['eth0', '198.51.100.7', '33'], /BITS "33" must be a prefix length 0\.\.32/],
    ['takeip', ['eth0', '2001:db8::1', '129'], /must be a prefix length 0\.\.128/],
    ['takeip', ['a/b', '198.51.100.7', '24'], /IFACE "a\/b" is not an interface name/],
    ['takeip', ['averyveryverylongname', '198.51.100.7', '24'], /is not an interface name/],
    ['updateip', ['eth0', '..', '198.51.100.7', '24'], /NEWIFACE "\.\." is not an interface name/],
  ])('rejects %s %j with a message saying what to type', (event, args, message) => {
    expect(() => validateEventRequest(event, args)).toThrow(message);
    try {
      validateEventRequest(event, args);
    } catch (err) {
      expect((err as { code: string }).code).toBe('E_EVENT_ARGUMENTS');
    }
  });

  it('knows the twelve CTDB events and their usage', () => {
    expect(EVENT_NAMES).toHaveLength(12);
    expect(eventUsage('updateip')).toBe('updateip OLDIFACE NEWIFACE IP BITS');
    expect(eventUsage('ipreallocated')).toBe('ipreallocated');
  });
});
