// The takeover gate's table: node states, holds and now -> start, wait N ms or held, and the rule that said so.

import { NO_NODE, Pnn } from '../../../src/core/flags';
import { createView, MembershipView, Observation, updateAll } from '../../../src/core/membership';
import {
  decideRun, GATE_RULES, GateDecision, GateInputs, GuardianHold, sameDecision,
} from '../../../src/core/takeover-gate';

const TIMINGS = { crashGraceMs: 200, fenceAfterMs: 700, deadAfterMs: 1000 };

/**
 * One token per node, as seen from the local node `L`: `hT` a peer whose last heartbeat came at
 * T and that reports the members this node sees at `now` (it agrees); `hT:0,1` one that reports
 * 0,1; `hT:-` one that has not reported its partition; `goneT` one heard at T whose stream then
 * closed; `dc` a peer never heard; `del` a deleted node.
 */
function viewOf(row: string, now: number): MembershipView {
  const tokens = row.split(/\s+/);
  const localPnn = tokens.indexOf('L');
  const heardAt = (token: string): number | undefined => (/^(h|gone)(\d+)/.exec(token) ? Number(/\d+/.exec(token)![0]) : undefined);
  const members = tokens.flatMap((t, pnn) => (t === 'L' || (t.startsWith('h') && now - heardAt(t)! < TIMINGS.deadAfterMs) ? [pnn] : []));
  const observations: Observation[] = [];
  tokens.forEach((token, pnn) => {
    const at = heardAt(token);
    if (at === undefined) return;
    const report = token.split(':')[1];
    // A node always reports itself; one that went away reported the members as they were then.
    const partition = report === undefined ? [...new Set([...members, pnn])].sort((a, b) => a - b) : report === '-' ? undefined : report.split(',').map(Number);
    observations.push({
      kind: 'heartbeat', pnn, at, seq: 1, flags: 0, epoch: 0, leader: NO_NODE, hosted: [], links: {}, heard: [],
      ...(partition ? { partition } : {}),
    });
    if (token.startsWith('gone')) observations.push({ kind: 'stream-closed', pnn, at });
  });
  observations.sort((a, b) => a.at - b.at);
  observations.push({ kind: 'tick', at: now });
  const deleted = tokens.flatMap((t, pnn) => (t === 'del' ? [pnn] : []));
  return updateAll(createView({ localPnn, nodeCount: tokens.length, deleted, deadAfterMs: TIMINGS.deadAfterMs, now: 0 }), observations).view;
}

/**
 * `;`-separated facts: `crash P at T held N` (its stream broke at T), `silence P held N` (silent
 * since its last heartbeat), `fenced P at T` (its guardian's FENCED notice), `reload NAME until T`,
 * `quorate T`, `leader T` (this node leads since T), `confirmed T`, `grace MS` (crash_grace, 200 unless given),
 * `away P,Q` (this node no longer expects them to vote), `voters P A,B` (peer P reported voters A,B; `-` none).
 */
function inputsOf(row: string, facts: string, now: number): GateInputs {
  const view = viewOf(row, now);
  const guardianHolds: GuardianHold[] = [];
  const fencedAt = new Map<Pnn, number>();
  const reloadHolds = new Map<string, number>();
  let quorateSince: number | undefined;
  let leaderSince: number | undefined;
  let confirmedSince: number | undefined;
  let timings = TIMINGS;
  let away: Pnn[] = [];
  const peerVoters = new Map<Pnn, Pnn[]>();
  for (const fact of facts.split(';').map((f) => f.trim()).filter((f) => f !== '')) {
    const words = fact.split(/\s+/);
    const n = (i: number): number => Number(words[i]);
    const lastHeard = (pnn: Pnn): number | undefined => view.nodes[pnn].lastHeardAt;
    if (words[0] === 'crash') guardianHolds.push({ pnn: n(1), cause: 'crash', from: n(3), held: n(5), heardAt: lastHeard(n(1)) });
    else if (words[0] === 'silence') guardianHolds.push({ pnn: n(1), cause: 'silence', from: lastHeard(n(1))!, held: n(3), heardAt: lastHeard(n(1)) });
    else if (words[0] === 'fenced') fencedAt.set(n(1), n(3));
    else if (words[0] === 'reload') reloadHolds.set(words[1], n(3));
    else if (words[0] === 'quorate') quorateSince = n(1);
    else if (words[0] === 'confirmed') confirmedSince = n(1);
    else if (words[0] === 'leader') leaderSince = n(1);
    else if (words[0] === 'grace') timings = { ...timings, crashGraceMs: n(1) };
    else if (words[0] === 'away') away = words[1].split(',').map(Number);
    else if (words[0] === 'voters') peerVoters.set(n(1), words[2] === '-' ? [] : words[2].split(',').map(Number));
    else throw new Error(`unknown fact '${fact}'`);
  }
  return { now, view, timings, reloadHolds, guardianHolds, fencedAt, quorateSince, leaderSince, confirmedSince, votes: { away, peerVoters } };
}

/** `start`, `start confirm`, `wait RULE MS` or `held RULE`. */
function summary(decision: GateDecision): string {
  if (decision.kind === 'start') return decision.confirmFirst ? 'start confirm' : 'start';
  return decision.kind === 'wait' ? `wait ${decision.rule} ${decision.waitMs}` : `held ${decision.rule}`;
}

const Q = 'quorate 0; confirmed 0';

describe('decideRun', () => {
  it.each<[string, string, string, number, string]>([
    // Nothing holds the run.
    ['everyone heard and agreeing, confirmed', 'L h400 h400', Q, 500, 'start'],
    ['no quorum: no rule applies (the leader runs nothing without it anyway)', 'L h400 h400', '', 500, 'start'],
    // confirm: the first run after gaining quorum has peers confirm their lists.
    ['first run since quorum came back', 'L h400 h400', 'quorate 300', 500, 'start confirm'],
    ['confirmed for an earlier quorum only', 'L h400 h400', 'quorate 300; confirmed 0', 500, 'start confirm'],
    // ... and the first run of a new leader, whose predecessor's orders may still be in flight.
    ['first run since this node became leader, quorum older', 'L h400 h400', 'quorate 0; confirmed 0; leader 300', 500, 'start confirm'],
    ['this leadership confirmed already', 'L h400 h400', 'quorate 0; leader 300; confirmed 300', 500, 'start'],
    ['leading since before quorum came back: quorum is the basis', 'L h400 h400', 'quorate 300; leader 100; confirmed 300', 500, 'start'],
    // reload: a cluster-wide reloadips gathers every list first.
    ['a reload hold', 'L h400 h400', `${Q}; reload r until 2000`, 500, 'wait reload 1500'],
    ['two reload holds: the longer', 'L h400 h400', `${Q}; reload a until 900; reload b until 2000`, 500, 'wait reload 1500'],
    ['a reload hold past its bound', 'L h400 h400', `${Q}; reload r until 500`, 500, 'start'],
    ['reload comes before a crash hold', 'L h400 gone400', `${Q}; reload r until 700; crash 2 at 450 held 300`, 500, 'wait reload 200'],
    // crash: crash_grace + fenceDeleteMs(held) (0.1 ms per address, in whole ms) after the stream broke.
    ['a crash', 'L h400 gone400', `${Q}; crash 2 at 450 held 3`, 500, 'wait crash 151'],
    ['a crash, hold over', 'L h400 gone400', `${Q}; crash 2 at 450 held 3`, 651, 'start'],
    ['a crash, no crash_grace configured', 'L h400 gone400', `${Q}; grace 0; crash 2 at 450 held 3`, 500, 'start'],
    ['two crashes: the longer', 'L gone400 gone400', `${Q}; crash 1 at 450 held 3; crash 2 at 450 held 300`, 500, 'wait crash 180'],
    ['a crash, its guardian reported after the break', 'L h400 gone400', `${Q}; crash 2 at 450 held 3; fenced 2 at 460`, 500, 'start'],
    ['a crash, the guardian\'s notice overtook the break', 'L h400 gone400', `${Q}; crash 2 at 450 held 3; fenced 2 at 440`, 500, 'start'],
    ['a crash, an old notice from before the node was last heard', 'L h400 gone400', `${Q}; crash 2 at 450 held 3; fenced 2 at 50`, 500, 'wait crash 151'],
    ['crash comes before silence', 'L gone900 h100', `${Q}; crash 1 at 950 held 30; silence 2 held 4000`, 1150, 'wait crash 3'],
    // silence: fence_after + fenceDeleteMs(held) after the last heartbeat.
    ['a silent node with 4000 addresses', 'L h1000 h100', `${Q}; silence 2 held 4000`, 1100, 'wait silence 100'],
    ['a silent node with few addresses: done by dead_after', 'L h1000 h100', `${Q}; silence 2 held 3`, 1100, 'start'],
    ['a silent node that held nothing', 'L h1000 h100', `${Q}; silence 2 held 0`, 1100, 'start'],
    ['a silent node, its guardian reported', 'L h1000 h100', `${Q}; silence 2 held 4000; fenced 2 at 900`, 1100, 'start'],
    ['silence comes before rejoin', 'L h1000 h100 dc', `quorate 900; confirmed 900; silence 2 held 4000`, 1100, 'wait silence 100'],
    // rejoin: after gaining quorum, peers not heard since wait until dead_after.
    ['a peer not heard since quorum came back', 'L h400 dc', 'quorate 300; confirmed 300', 500, 'wait rejoin 800'],
    ['a peer heard only before quorum came back', 'L h400 h200', 'quorate 300; confirmed 300', 500, 'wait rejoin 800'],
    ['a peer heard since and lost again is not unheard', 'L h400 gone400', 'quorate 300; confirmed 300', 500, 'start'],
    ['dead_after passed: the unheard peer counts as gone', 'L h1250 dc', 'quorate 300; confirmed 300', 1300, 'start'],
    ['a deleted node is never waited for', 'L h400 del', 'quorate 300; confirmed 300', 500, 'start'],
    // ... but not for peers away for good: they left on purpose (or were dropped) and no member counts them again.
    ['a peer that left, no member counts it', 'L h400 dc', 'quorate 300; confirmed 300; away 2; voters 1 0,1', 500, 'start'],
    ['alone in the partition, the others left', 'L dc dc', 'quorate 300; confirmed 300; away 1,2', 500, 'start'],
    ['a peer that left, but a member counts it again (it came back while this node was cut off)', 'L h400 dc',
      'quorate 300; confirmed 300; away 2; voters 1 0,1,2', 500, 'wait rejoin 800'],
    ['a peer that left, a member has not reported its voters', 'L h400 dc', 'quorate 300; confirmed 300; away 2', 500, 'wait rejoin 800'],
    ['a peer that left, a member reports no voters (it is not quorate)', 'L h400 dc', 'quorate 300; confirmed 300; away 2; voters 1 -', 500, 'wait rejoin 800'],
    ['one peer left, another is only unheard', 'L h400 dc dc', 'quorate 300; confirmed 300; away 2; voters 1 0,1,3', 500, 'wait rejoin 800'],
    ['rejoin comes before agreement', 'L h400:0,1 h400 dc', 'quorate 300; confirmed 300', 500, 'wait rejoin 800'],
    // agreement: every member reports the members this node sees.
    ['a member reports another partition', 'L h400:0,1 h400', Q, 500, 'held agreement'],
    ['a member has not reported yet', 'L h400:- h400', Q, 500, 'held agreement'],
    ['agreement comes before confirm', 'L h400:0,1 h400', 'quorate 300', 500, 'held agreement'],
    ['the cut node is gone on both sides: agreed', 'L h400:0,1 gone400', Q, 500, 'start'],
  ])('%s: %s | %s | now %d -> %s', (_name, row, facts, now, expected) => {
    expect(summary(decideRun(inputsOf(row, facts, now)))).toBe(expected);
  });
});

describe('the reasons', () => {
  it.each<[string, string, number, string]>([
    ['L h400 gone400', `${Q}; crash 2 at 450 held 3`, 500, 'for node 2\'s guardian to delete its 3 addresses (its stream broke)'],
    ['L h400 gone400', `${Q}; crash 2 at 450 held 1`, 500, 'for node 2\'s guardian to delete its 1 address (its stream broke)'],
    ['L h1000 h100', `${Q}; silence 2 held 4000`, 1100, 'for node 2 to fence itself and delete its 4000 addresses (silent since dead_after)'],
    ['L h400 h400', `${Q}; reload r7 until 2000`, 500, 'for every node\'s new list (cluster-wide reloadips or reloadnodes: r7)'],
    ['L h400 dc dc', 'quorate 300; confirmed 300', 500, 'until nodes 2,3 are heard since quorum came back'],
    ['L h400 dc dc', 'quorate 300; confirmed 300; away 2; voters 1 0,1,3', 500, 'until node 3 is heard since quorum came back'],
    ['L h400:0,1 h400:-', Q, 500, 'until the partition agrees: this node sees 0,1,2, node 1 reports 0,1, node 2 reports nothing yet'],
  ])('%s | %s | now %d: held %s', (row, facts, now, reason) => {
    expect(decideRun(inputsOf(row, facts, now)).reason).toBe(reason);
  });
});

describe('the table', () => {
  it('has one row per rule, each with why it exists', () => {
    expect(GATE_RULES.map((r) => r.name)).toEqual(['reload', 'crash', 'silence', 'rejoin', 'agreement', 'confirm']);
    for (const rule of GATE_RULES) expect(rule.because.length).toBeGreaterThan(40);
  });

  it('a decision is the same while the same rule holds the run to the same end', () => {
    const at = (now: number): GateDecision => decideRun(inputsOf('L h400 gone400', `${Q}; crash 2 at 450 held 3`, now));
    expect(sameDecision(at(500), at(600))).toBe(true);
    const longer = decideRun(inputsOf('L h400 gone400', `${Q}; crash 2 at 450 held 90`, 500));
    expect(sameDecision(at(500), longer)).toBe(false);
    expect(sameDecision(at(500), decideRun(inputsOf('L h400 h400', Q, 500)))).toBe(false);
  });
});
