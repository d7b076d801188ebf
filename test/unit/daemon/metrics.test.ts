// The metrics registry: what each update function changes in the Prometheus text, and the no-op.

import { NodeFlag } from '../../../src/core/flags';
import { Metrics, PrometheusMetrics } from '../../../src/daemon/metrics';
import { noMetrics } from '../../../src/daemon/metrics-off';

/** `name{labels} value` lines of the exposition text, without comments. */
async function samples(metrics: PrometheusMetrics): Promise<Map<string, number>> {
  const text = await metrics.text();
  return new Map(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const at = l.lastIndexOf(' ');
    return [l.slice(0, at), Number(l.slice(at + 1))];
  }));
}

describe('PrometheusMetrics', () => {
  let metrics: PrometheusMetrics;
  beforeEach(() => { metrics = new PrometheusMetrics({ processMetrics: false }); });

  it('starts with no leader and nothing counted', async () => {
    const s = await samples(metrics);
    expect(s.get('floatip_leader')).toBe(-1);
    expect(s.get('floatip_takeover_run_duration_seconds_count')).toBe(0);
    expect(s.get('floatip_tickles_sent_total')).toBe(0);
  });

  it('every takeover-run outcome exists from 0, so the first run of a new leader counts in increase() and rate()', async () => {
    const s = await samples(metrics);
    expect(['ok', 'failed', 'superseded'].map((outcome) => s.get(`floatip_takeover_runs_total{outcome="${outcome}"}`))).toEqual([0, 0, 0]);
  });

  it('address failovers: a histogram in seconds; unhosted addresses: a gauge', async () => {
    metrics.observeAddressFailover(80);
    metrics.observeAddressFailover(1100);
    metrics.setUnhostedAddresses(3);
    const s = await samples(metrics);
    expect(s.get('floatip_address_failover_seconds_count')).toBe(2);
    expect(s.get('floatip_address_failover_seconds_sum')).toBeCloseTo(1.18, 6);
    expect(s.get('floatip_address_failover_seconds_bucket{le="0.1"}')).toBe(1);
    expect(s.get('floatip_address_failover_seconds_bucket{le="1.25"}')).toBe(2);
    expect(s.get('floatip_unhosted_addresses')).toBe(3);
  });

  it('node flags: the word and one 0/1 series per flag', async () => {
    metrics.setNodeFlags(1, NodeFlag.UNHEALTHY | NodeFlag.BANNED);
    metrics.setNodeFlags(0, 0);
    const s = await samples(metrics);
    expect(s.get('floatip_node_flags{pnn="1"}')).toBe(10);
    expect(s.get('floatip_node_flags{pnn="0"}')).toBe(0);
    expect(s.get('floatip_node_flag{pnn="1",flag="BANNED"}')).toBe(1);
    expect(s.get('floatip_node_flag{pnn="1",flag="UNHEALTHY"}')).toBe(1);
    expect(s.get('floatip_node_flag{pnn="1",flag="DISABLED"}')).toBe(0);
    metrics.setNodeFlags(1, 0);
    expect((await samples(metrics)).get('floatip_node_flag{pnn="1",flag="BANNED"}')).toBe(0);
  });

  it('quorum, leader, epoch and hosted addresses', async () => {
    metrics.setQuorate(true);
    metrics.setLeader(2, 17);
    metrics.setHostedAddresses(250);
    const s = await samples(metrics);
    expect([s.get('floatip_quorate'), s.get('floatip_leader'), s.get('floatip_epoch'), s.get('floatip_hosted_addresses')]).toEqual([1, 2, 17, 250]);
    metrics.setQuorate(false);
    expect((await samples(metrics)).get('floatip_quorate')).toBe(0);
  });

  it('expected votes, votes present and the one quorum rule deciding now', async () => {
    metrics.setVotes(4, 2, 'tie-breaker');
    metrics.setVotes(2, 2, 'majority');
    const s = await samples(metrics);
    expect([s.get('floatip_expected_votes'), s.get('floatip_votes_present'), s.get('floatip_quorum_rule{rule="majority"}'),
      s.get('floatip_quorum_rule{rule="tie-breaker"}')]).toEqual([2, 2, 1, undefined]);
  });

  it('takeover runs: a counter by outcome and a duration histogram in seconds', async () => {
    metrics.observeTakeoverRun('ok', 20);
    metrics.observeTakeoverRun('ok', 300);
    metrics.observeTakeoverRun('failed', 5000);
    const s = await samples(metrics);
    expect(s.get('floatip_takeover_runs_total{outcome="ok"}')).toBe(2);
    expect(s.get('floatip_takeover_runs_total{outcome="failed"}')).toBe(1);
    expect(s.get('floatip_takeover_run_duration_seconds_count')).toBe(3);
    expect(s.get('floatip_takeover_run_duration_seconds_sum')).toBeCloseTo(5.32, 6);
    expect(s.get('floatip_takeover_run_duration_seconds_bucket{le="0.025"}')).toBe(1);
    expect(s.get('floatip_takeover_run_duration_seconds_bucket{le="0.5"}')).toBe(2);
    expect(s.get('floatip_takeover_run_duration_seconds_bucket{le="+Inf"}')).toBe(3);
  });

  it('heartbeat round trips per peer, events with failures, authentication failures, tickles', async () => {
    metrics.observeHeartbeatRoundTrip(1, 0.4);
    metrics.observeHeartbeatRoundTrip(1, 0.6);
    metrics.observeHeartbeatRoundTrip(2, 3);
    metrics.observeEvent('monitor', 120, false);
    metrics.observeEvent('monitor', 30_000, true);
    metrics.observeEvent('takeip', 15, false);
    metrics.countAuthenticationFailure('E_FRAME_BAD_MAC');
    metrics.countAuthenticationFailure('E_FRAME_BAD_MAC');
    metrics.countAuthenticationFailure('E_HANDSHAKE');
    metrics.countTicklesSent(3);
    metrics.countTicklesSent(0);
    metrics.countTicklesSent(1000);
    metrics.setFlapDamping(true, 5, 2);
    const s = await samples(metrics);
    expect(s.get('floatip_heartbeat_round_trip_seconds_count{peer="1"}')).toBe(2);
    expect(s.get('floatip_heartbeat_round_trip_seconds_sum{peer="1"}')).toBeCloseTo(0.001, 9);
    expect(s.get('floatip_heartbeat_round_trip_seconds_bucket{le="0.0025",peer="2"}')).toBe(0);
    expect(s.get('floatip_heartbeat_round_trip_seconds_bucket{le="0.005",peer="2"}')).toBe(1);
    expect(s.get('floatip_event_duration_seconds_count{event="monitor"}')).toBe(2);
    expect(s.get('floatip_event_failures_total{event="monitor"}')).toBe(1);
    expect(s.get('floatip_event_failures_total{event="takeip"}')).toBeUndefined();
    expect(s.get('floatip_authentication_failures_total{code="E_FRAME_BAD_MAC"}')).toBe(2);
    expect(s.get('floatip_authentication_failures_total{code="E_HANDSHAKE"}')).toBe(1);
    expect(s.get('floatip_tickles_sent_total')).toBe(1003);
    expect([s.get('floatip_flap_held_out'), s.get('floatip_flap_flips'), s.get('floatip_flap_holds')]).toEqual([1, 5, 2]);
  });

  it('duplicate addresses: a gauge of the current ones, a counter that follows the running total of detections', async () => {
    metrics.setDuplicateAddresses(2, 2);
    metrics.setDuplicateAddresses(1, 2);
    metrics.setDuplicateAddresses(1, 3);
    const s = await samples(metrics);
    expect(s.get('floatip_duplicate_addresses')).toBe(1);
    expect(s.get('floatip_duplicate_detections_total')).toBe(3);
  });

  it('guarded is 1 from the start, 0 while unguarded; each loss is counted by cause', async () => {
    expect((await samples(metrics)).get('floatip_guarded')).toBe(1);
    metrics.setGuarded(false, 'silent');
    expect((await samples(metrics)).get('floatip_guarded')).toBe(0);
    metrics.setGuarded(true);
    metrics.setGuarded(false, 'ended');
    metrics.setGuarded(true);
    metrics.setGuarded(false, 'silent');
    const s = await samples(metrics);
    expect(s.get('floatip_guarded')).toBe(0);
    expect(s.get('floatip_guardian_losses_total{cause="silent"}')).toBe(2);
    expect(s.get('floatip_guardian_losses_total{cause="ended"}')).toBe(1);
  });

  it('two instances keep separate registries', async () => {
    const other = new PrometheusMetrics({ processMetrics: false });
    other.setHostedAddresses(9);
    metrics.setHostedAddresses(1);
    expect((await samples(other)).get('floatip_hosted_addresses')).toBe(9);
    expect((await samples(metrics)).get('floatip_hosted_addresses')).toBe(1);
  });

  it('includes Node process metrics unless told not to', async () => {
    const withProcess = new PrometheusMetrics();
    expect(await withProcess.text()).toContain('process_cpu_user_seconds_total');
    expect(await metrics.text()).not.toContain('process_cpu_user_seconds_total');
  });
});

describe('noMetrics', () => {
  it('accepts every update and keeps nothing', () => {
    const calls: [keyof Metrics, unknown[]][] = [
      ['setNodeFlags', [0, 1]], ['setQuorate', [true]], ['setVotes', [4, 2, 'tie-breaker']], ['setLeader', [0, 1]], ['setHostedAddresses', [1]],
      ['observeTakeoverRun', ['ok', 1]], ['observeHeartbeatRoundTrip', [1, 1]], ['observeEvent', ['monitor', 1, true]],
      ['countAuthenticationFailure', ['x']], ['countMeshRefusals', ['x', 1]], ['countTicklesSent', [1]], ['setDuplicateAddresses', [1, 1]],
      ['setFlapDamping', [true, 1, 1]],
      ['setGuarded', [false, 'silent']], ['observeAddressFailover', [1]], ['setUnhostedAddresses', [1]],
    ];
    for (const [method, args] of calls) expect((noMetrics[method] as (...a: unknown[]) => unknown)(...args)).toBeUndefined();
    expect(Object.keys(noMetrics).sort()).toEqual(calls.map(([m]) => m).sort());
  });
});
