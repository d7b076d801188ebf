// The failover bench's table against the node count: the slower victim's reach p50, the largest node's RSS and private memory, the busiest daemon's CPU.

import { scaleReachRows, scaleRow, scaleTable } from '../../../bench/failover-scale';
import { ComboResult } from '../../../bench/failover-stats';

const combo = (mode: 'kill' | 'link', victim: 'leader' | 'follower', p50: number, trials: number[]): ComboResult => ({
  mode, victim, reach: { min: p50, p50, p99: p50, max: p50 }, reach_trials: trials,
} as unknown as ComboResult);

const results = [combo('kill', 'leader', 40, [40, 41]), combo('kill', 'follower', 55, [55]), combo('link', 'leader', 900, [900]), combo('link', 'follower', 880, [880])];
const footprint = [
  { node: 0, rss_mb: 95.5, private_mb: 44.1, idle_cpu_pct: 1.2, guardian_idle_cpu_pct: 0 },
  { node: 1, rss_mb: 101.2, private_mb: 42.3, idle_cpu_pct: 0.8, guardian_idle_cpu_pct: 0.1 },
  { node: 2, rss_mb: null, private_mb: null, idle_cpu_pct: null, guardian_idle_cpu_pct: null },
];

test('scaleRow: the slower victim per mode, the largest RSS, the busiest and the mean daemon', () => {
  expect(scaleRow(8, 'default', results, footprint, 4321)).toEqual({
    nodes: 8, profile: 'default', kill_reach_p50_ms: 55, link_reach_p50_ms: 900, rss_mb_max: 101.2, private_mb_max: 44.1, idle_cpu_pct_max: 1.2, idle_cpu_pct_mean: 1, up_to_served_ms: 4321,
  });
  expect(scaleRow(3, 'fast', [], [], null)).toMatchObject({ kill_reach_p50_ms: null, rss_mb_max: null, private_mb_max: null, idle_cpu_pct_mean: null });
});

test('scaleTable: a markdown table, one line per N, "-" for what was not measured', () => {
  const text = scaleTable([scaleRow(3, 'default', results, footprint, 4321), scaleRow(8, 'default', [], [], null)]);
  expect(text.split('\n')).toEqual([
    '| nodes | profile | kill reach p50 ms | link reach p50 ms | RSS floatipd+guardian MB (max node) | of which private MB | idle CPU % per daemon (mean / max) | lab up to all served ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    '| 3 | default | 55 | 900 | 101.2 | 44.1 | 1 / 1.2 | 4321 |',
    '| 8 | default | - | - | - | - | - / - | - |',
  ]);
});

test('scaleReachRows: per N one row per fault mode, both victims\' trials together', () => {
  expect(scaleReachRows([{ nodes: 3, results }])).toEqual([
    { group: '3 nodes', series: 'kill', values: [40, 41, 55] },
    { group: '3 nodes', series: 'link', values: [900, 880] },
  ]);
});
