import { closestName, editDistance } from '../../../src/config/suggest';

describe('editDistance', () => {
  it.each([['', '', 0], ['port', 'port', 0], ['prot', 'port', 2], ['port', 'ports', 1], ['kitten', 'sitting', 3], ['', 'abc', 3]])(
    '%s -> %s is %d', (a, b, d) => {
      expect(editDistance(a, b)).toBe(d);
      expect(editDistance(b, a)).toBe(d);
    });
});

describe('closestName', () => {
  const timing = ['profile', 'heartbeat_interval', 'dead_after', 'fence_after', 'takeover_deadline', 'reconcile_interval'];

  it.each([
    ['heartbeat_intervall', 'heartbeat_interval'],
    ['hearbeat_interval', 'heartbeat_interval'],
    ['deadafter', 'dead_after'],
    ['after_dead', 'dead_after'],
    ['Profile', 'profile'],
  ])('%s -> %s', (typo, wanted) => {
    expect(closestName(typo, timing)).toBe(wanted);
  });

  it('offers nothing when no name is close', () => {
    expect(closestName('colour', timing)).toBeUndefined();
    expect(closestName('x', ['port'])).toBeUndefined();
  });

  it('finds a one-letter slip in a short name', () => {
    expect(closestName('prt', ['port', 'pnn'])).toBe('port');
  });
});
