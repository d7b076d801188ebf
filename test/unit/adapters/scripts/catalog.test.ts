// Script names and `# floatip-events:` headers, the parts of the catalog that need no disk.

import { isScriptName, parseEventsHeader } from '../../../../src/adapters/scripts/catalog';

describe('isScriptName', () => {
  it.each(['00.floatip', '50.samba', '99.notify', '10.a-b_c', '50.samba.script', '10.interface.script'])('accepts %s', (name) => {
    expect(isScriptName(name)).toBe(true);
  });
  it.each(['50.samba~', '50.samba.rpmnew', '5.samba', '500.samba', 'ab.samba', 'README', '50.', '50.sa mba', '50.samba.script~',
    'samba.script', '50.samba.script.bak', '50..script'])(
    'ignores %s',
    (name) => expect(isScriptName(name)).toBe(false),
  );
});

describe('parseEventsHeader', () => {
  it('reads the declared events from a header near the top', () => {
    expect(parseEventsHeader('#!/bin/sh\n# 50.samba: Samba\n#  floatip-events:  startup monitor\tshutdown\nexit 0\n'))
      .toEqual(['startup', 'monitor', 'shutdown']);
  });
  it('returns undefined (every event) without a header', () => {
    expect(parseEventsHeader('#!/bin/sh\necho hi\n')).toBeUndefined();
  });
  it('ignores a header below line 20', () => {
    expect(parseEventsHeader(`${'#\n'.repeat(25)}# floatip-events: monitor\n`)).toBeUndefined();
  });
  it('declares no event at all with an empty list', () => {
    expect(parseEventsHeader('#!/bin/sh\n# floatip-events:\n')).toEqual([]);
  });
  it('names unknown events', () => {
    expect(() => parseEventsHeader('# floatip-events: monitor takeIP')).toThrow(/unknown event\(s\) takeIP/);
  });
});
