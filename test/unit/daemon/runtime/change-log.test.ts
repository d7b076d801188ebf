// The main-loop budget of logging (issue 17): a peer taking many addresses costs one short info line, the list goes to debug.

import { addressRange, TestCluster } from './harness/cluster';
import { boundedList, logChange } from '../../../../src/daemon/runtime/change-log';
import { recordingLogger } from './harness/recording-logger';

describe('logging membership changes', () => {
  it('keeps every info line of a 3-node cluster placing 480 addresses under 1 kB, with the lists at debug', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(240, '198.51.100').concat(addressRange(240, '203.0.113')) });
    expect((await cluster.counts()).reduce((a, b) => a + b, 0)).toBe(480);
    const size = (line: { fields: unknown; message: string }): number => JSON.stringify(line.fields).length + line.message.length;
    const infoLines = cluster.log.filter((line) => line.level !== 'debug');
    expect(infoLines.filter((line) => size(line) > 1024).map((line) => line.message.slice(0, 80))).toEqual([]);
    // The peers' lists are still there, at debug.
    expect(cluster.log.some((line) => line.level === 'debug' && line.message.startsWith('node 1: hosts +'))).toBe(true);
  });

  it('says the counts of a hosted change at info and the addresses at debug', () => {
    const log = recordingLogger();
    logChange(log, { kind: 'hosted', pnn: 2, added: ['192.0.2.1', '192.0.2.2'], removed: ['192.0.2.3'] });
    expect(log.lines.map((l) => [l.level, l.message])).toEqual([
      ['info', 'node 2: hosts 2 more, 1 fewer address(es)'],
      ['debug', 'node 2: hosts +192.0.2.1 +192.0.2.2 -192.0.2.3'],
    ]);
  });

  it('says a peer\'s reported partition at debug, and its flags at info', () => {
    const log = recordingLogger();
    logChange(log, { kind: 'partition', pnn: 3, before: [0, 1, 2, 3], after: [1, 2, 3] });
    logChange(log, { kind: 'flags', pnn: 0, before: 0, after: 1, cause: 'silence' });
    expect(log.lines.map((l) => [l.level, l.message])).toEqual([
      ['debug', 'node 3: reports partition 0,1,2,3 -> 1,2,3'],
      ['info', 'node 0: OK -> DISCONNECTED (silence)'],
    ]);
  });

  it('bounds a list for a log field', () => {
    expect(boundedList([1, 2, 3], 2)).toEqual({ first: [1, 2], more: 1 });
    expect(boundedList([1], 2)).toEqual({ first: [1], more: 0 });
  });
});
