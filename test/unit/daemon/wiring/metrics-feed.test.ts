// The metrics feed: node flags, quorum, leader and hosted count from the API, each finished run once, rejected frames counted.

import { MeshEvent, MeshListener } from '../../../../src/adapters/peer/port';
import { Metrics } from '../../../../src/daemon/metrics';
import { startMetricsFeed } from '../../../../src/daemon/wiring/metrics-feed';
import { IpStatus, StatusResult, TakeoverRunRecord } from '../../../../src/protocol/control-results';

/** A run led by this node (pnn 1, below) unless told otherwise. */
function run(epoch: number, status: TakeoverRunRecord['status'], total: number, leader = 1, startedAt = 1000 + epoch): TakeoverRunRecord {
  return { epoch, leader, startedAt, reason: 'test', status, error: '', moves: 1, phases: { allocate: 0, release: 0, take: 0, ipreallocated: 0, total }, loopDelayP99Ms: null };
}

function ip(address: string, pnn: number): IpStatus {
  return { address, bits: 24, pnn, activeInterface: '', availableInterfaces: [], configuredInterfaces: [] };
}

function recordingMetrics() {
  const calls: string[] = [];
  const metrics: Metrics = {
    setNodeFlags: (pnn, flags) => calls.push(`flags ${pnn}=${flags}`),
    setQuorate: (q) => calls.push(`quorate ${q}`),
    setVotes: () => undefined,
    setLeader: (pnn, epoch) => calls.push(`leader ${pnn}@${epoch}`),
    setHostedAddresses: (n) => calls.push(`hosted ${n}`),
    observeTakeoverRun: (outcome, ms) => calls.push(`run ${outcome} ${ms}`),
    observeAddressFailover: (ms) => calls.push(`failover ${ms}`),
    setUnhostedAddresses: (n) => calls.push(`unhosted ${n}`),
    observeHeartbeatRoundTrip: (peer, ms) => calls.push(`rtt ${peer} ${ms}`),
    observeEvent: () => calls.push('event'),
    countAuthenticationFailure: (code) => calls.push(`auth ${code}`),
    countMeshRefusals: (code, n) => calls.push(`refused ${code} ${n}`),
    countTicklesSent: (n) => calls.push(`tickles ${n}`),
    setDuplicateAddresses: (current, total) => calls.push(`duplicates ${current}/${total}`),
    setFlapDamping: (heldOut, flips, holds) => calls.push(`flap ${heldOut} ${flips} ${holds}`),
    setGuarded: (guarded) => calls.push(`guarded ${guarded}`),
  };
  return { metrics, calls };
}

describe('startMetricsFeed', () => {
  const baseStatus: StatusResult = {
    pnn: 1, leader: 0, epoch: 7, quorate: true, partition: [0, 1], quorumRule: 'majority', monitor: 'healthy',
    flapDamping: { heldOut: true, flips: 4, heldForMs: 1000, holds: 1, reason: 'flapping' },
    nodes: [
      { pnn: 0, address: '192.0.2.1', flags: 'OK', flagBits: 0, isLocal: false },
      { pnn: 1, address: '192.0.2.2', flags: 'OK', flagBits: 0, isLocal: true },
      { pnn: 2, address: '192.0.2.3', flags: 'DISCONNECTED', flagBits: 1, isLocal: false },
    ],
  };
  let status = baseStatus;
  let history: TakeoverRunRecord[] = [];
  let listener: MeshListener = () => undefined;
  const api = { status: () => status, ips: () => [ip('198.51.100.1', 1), ip('198.51.100.2', 0), ip('198.51.100.3', 1), ip('198.51.100.4', -1)], history: () => history,
    uptime: () => ({ startedAt: 1000, lastTakeoverAt: null, lastTakeoverMs: null }) };
  const mesh = { subscribe: (l: MeshListener) => { listener = l; return () => { listener = () => undefined; }; } };

  test('each update sets the gauges; each finished run is observed once, oldest first; earlier runs are not', () => {
    history = [run(3, 'ok', 12)];
    const { metrics, calls } = recordingMetrics();
    let tick: () => void = () => undefined;
    let cancelled = false;
    const feed = startMetricsFeed(api, mesh, metrics, (callback) => { tick = callback; return () => { cancelled = true; }; });
    tick();
    expect(calls).toEqual(['flags 0=0', 'flags 1=0', 'flags 2=1', 'quorate true', 'leader 0@7', 'flap true 4 1', 'hosted 2', 'unhosted 1']);
    calls.length = 0;
    const duplicate = { address: '198.51.100.1', iface: 'fs0', macs: ['02:00:00:00:00:0b'], since: 1, lastSeen: 2 };
    status = { ...status, duplicates: { addresses: [duplicate], detections: 3 } };
    tick();
    expect(calls).toContain('duplicates 1/3');
    status = baseStatus;
    calls.length = 0;
    history = [run(5, 'failed', 5000), run(4, 'superseded', 3), run(3, 'ok', 12)];
    feed.update();
    feed.update();
    expect(calls.filter((c) => c.startsWith('run'))).toEqual(['run superseded 3', 'run failed 5000']);
    feed.stop();
    expect(cancelled).toBe(true);
  });

  test('counts only the runs this node led since it started: another leader\'s runs, and its own from before a restart, are in the history but not counted', () => {
    history = [];
    const { metrics, calls } = recordingMetrics();
    const feed = startMetricsFeed(api, mesh, metrics, () => () => undefined);
    history = [run(9, 'ok', 4), run(8, 'ok', 3, 0), run(2, 'ok', 2, 1, 900)];
    feed.update();
    expect(calls.filter((c) => c.startsWith('run'))).toEqual(['run ok 4']);
    feed.stop();
  });

  test('rejected frames count as authentication failures by code, until stopped', () => {
    const { metrics, calls } = recordingMetrics();
    const feed = startMetricsFeed(api, mesh, metrics, () => () => undefined);
    const rejected: MeshEvent = { kind: 'rejected', pnn: 2, remote: '192.0.2.3', code: 'E_FRAME_MAC', detail: 'bad MAC' };
    listener(rejected);
    listener({ kind: 'peer-up', pnn: 2 });
    feed.stop();
    listener(rejected);
    expect(calls).toEqual(['auth E_FRAME_MAC']);
  });

  test('refused mesh connections are counted by code with their counts, from each report', () => {
    const { metrics, calls } = recordingMetrics();
    const feed = startMetricsFeed(api, mesh, metrics, () => () => undefined);
    listener({ kind: 'refused', counts: { E_TOO_MANY_HANDSHAKES: 5230, E_HANDSHAKE_TIMEOUT: 4 }, sources: { '192.0.2.1': 5234 }, intervalMs: 10_000 });
    feed.stop();
    expect(calls).toEqual(['refused E_TOO_MANY_HANDSHAKES 5230', 'refused E_HANDSHAKE_TIMEOUT 4']);
  });

  test('every heartbeat round trip the runtime measures is observed once, per peer, until stopped; none when no source', () => {
    const { metrics, calls } = recordingMetrics();
    let sample: (peer: number, ms: number) => void = () => undefined;
    const roundTrips = { onRoundTrip: (l: typeof sample) => { sample = l; return () => { sample = () => undefined; }; } };
    const feed = startMetricsFeed(api, mesh, metrics, () => () => undefined, roundTrips);
    sample(1, 0.4);
    sample(2, 3);
    sample(1, 0.6);
    feed.update();
    feed.stop();
    sample(1, 9);
    expect(calls.filter((c) => c.startsWith('rtt'))).toEqual(['rtt 1 0.4', 'rtt 2 3', 'rtt 1 0.6']);

    const without = recordingMetrics();
    startMetricsFeed(api, mesh, without.metrics, () => () => undefined).update();
    expect(without.calls.filter((c) => c.startsWith('rtt'))).toEqual([]);
  });

  test('every address failover the runtime times is observed once, until stopped', () => {
    const { metrics, calls } = recordingMetrics();
    let failover: (ms: number) => void = () => undefined;
    const runtime = { onRoundTrip: () => () => undefined, onFailover: (l: typeof failover) => { failover = l; return () => { failover = () => undefined; }; } };
    const feed = startMetricsFeed(api, mesh, metrics, () => () => undefined, runtime);
    failover(120);
    failover(80.5);
    feed.stop();
    failover(9);
    expect(calls.filter((c) => c.startsWith('failover'))).toEqual(['failover 120', 'failover 80.5']);
  });
});
