// A small scenario language, so multi-node tests read like tables: one step per line.
//
//   advance MS                      let time pass
//   kill P | restart P              crash a node (guardian removes its addresses) / start it again
//   shutdown P[,Q]                  stop nodes on purpose, at once (release, LEAVING): a graceful leave
//   fenced P [N]                    P's guardian tells the others it removed N addresses (FENCED notice)
//   partition 0,1|2 | heal          network split (connections go silent) / end it
//   on P: VERB [ARGS]               a control command on node P: disable [T], enable [T], stop [T],
//                                   continue [T], ban SECS [T], unban [T], moveip IP T, ipreallocate [REBALANCE,...],
//                                   addip IP/BITS IFACE[,IFACE], delip IP, reload ADDR/BITS,...
//   monitor P fail|pass             node P's next monitor fails or passes
//   guardian P lost|ready           node P's guardian keeper says it has no live guardian / a new one is ready
//   link P IFACE up|down            a cable on node P
//   expect counts A B C             addresses in each node's kernel
//   expect IP on P                  (P = -1: on no node)
//   expect leader P                 as every live node sees it
//   expect quorum P,Q yes|no RULE   each of these nodes is (not) quorate by that quorum row (core/quorum-rules.ts)
//   expect flags P NAMES            node P's flags as every live node sees them (OK, DISABLED, BANNED|UNHEALTHY ...)
//   expect result ok|E_CODE         outcome of the last `on` command
//   expect exclusive                no address was on two nodes at any step so far

import { NO_NODE, Pnn } from '../../../../../src/core/flags';
import { ip, parsePrefix } from '../../../../../src/core/ip';
import { DaemonApiError } from '../../../../../src/daemon/control/api';
import { lines, TestCluster } from './cluster';

export interface ScenarioState {
  lastResult: string;
}

const nums = (text: string): number[] => text.split(',').filter((s) => s !== '').map(Number);

export async function play(cluster: TestCluster, steps: readonly string[]): Promise<void> {
  const state: ScenarioState = { lastResult: '' };
  for (const step of steps) {
    try {
      await runStep(cluster, state, step.trim());
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new Error(`step "${step}" at t=${cluster.clock.now()}: ${detail}\ntimeline:\n${cluster.timeline.slice(-12).map((e) => `t=${e.t} ${e.text}`).join('\n')}`);
    }
  }
}

async function runStep(cluster: TestCluster, state: ScenarioState, step: string): Promise<void> {
  const words = step.split(/\s+/);
  const on = /^on (\d+): (.*)$/.exec(step);
  if (on) {
    await command(cluster, state, Number(on[1]), on[2].split(/\s+/));
    return;
  }
  switch (words[0]) {
    case 'advance': return cluster.clock.advance(Number(words[1]));
    case 'kill': return cluster.kill(Number(words[1]));
    case 'restart': return cluster.restart(Number(words[1]));
    case 'shutdown': return cluster.shutdown(nums(words[1]));
    case 'fenced': cluster.network.notifyFenced(Number(words[1]), 'pipe-closed', Number(words[2] ?? 0)); return cluster.clock.settle();
    case 'partition': cluster.network.partition(words[1].split('|').map(nums)); return cluster.clock.settle();
    case 'heal': cluster.network.heal(); return cluster.clock.settle();
    case 'monitor': {
      const node = cluster.node(Number(words[1]));
      if (words[2] === 'fail') node.events.answer('monitor', 'ERROR');
      await node.health.check();
      return cluster.clock.settle();
    }
    case 'guardian':
      cluster.node(Number(words[1])).runtime.setUnguarded(words[2] === 'lost' ? 'the guardian stopped answering (test)' : undefined);
      return cluster.clock.settle();
    case 'link': {
      cluster.node(Number(words[1])).netlink.setLinkState(words[2], words[3] === 'up' ? 'up' : 'down');
      return cluster.clock.settle();
    }
    case 'expect': return expectation(cluster, state, words.slice(1));
    default: throw new Error(`unknown step "${step}"`);
  }
}

async function command(cluster: TestCluster, state: ScenarioState, pnn: Pnn, words: string[]): Promise<void> {
  const api = cluster.node(pnn).runtime.api;
  const [verb, ...args] = words;
  const target = (index: number): Pnn | undefined => (args[index] === undefined ? undefined : Number(args[index]));
  let call: Promise<unknown>;
  switch (verb) {
    case 'disable': case 'enable': case 'stop': case 'continue': case 'unban':
      call = api.admin(verb, target(0)); break;
    case 'ban': call = api.admin('ban', target(1), Number(args[0])); break;
    case 'moveip': call = api.moveIp(ip(args[0]), Number(args[1])); break;
    case 'ipreallocate': call = api.ipReallocate(args[0] === undefined ? undefined : nums(args[0])); break;
    case 'addip': {
      const prefix = parsePrefix(args[0]);
      if (!prefix.ok) throw new Error(prefix.error);
      call = api.addIp(prefix.value, args[1].split(','));
      break;
    }
    case 'delip': call = api.delIp(ip(args[0])); break;
    case 'reload': call = cluster.node(pnn).runtime.reload(lines(args)); break;
    default: throw new Error(`unknown command ${verb}`);
  }
  let settled = false;
  call.then(() => { state.lastResult = 'ok'; }, (error: unknown) => {
    state.lastResult = error instanceof DaemonApiError ? error.code : `thrown: ${String(error)}`;
  }).finally(() => { settled = true; });
  for (let waited = 0; !settled && waited < 10_000; waited += 10) await cluster.clock.advance(10);
  if (!settled) throw new Error(`${verb} did not finish within 10 s`);
}

async function expectation(cluster: TestCluster, state: ScenarioState, words: string[]): Promise<void> {
  const live = cluster.nodes.filter((n) => n.alive);
  if (words[0] === 'counts') {
    const counts = await cluster.counts();
    const wanted = words.slice(1).map(Number);
    if (counts.join(' ') !== wanted.join(' ')) throw new Error(`counts are ${counts.join(' ')}, expected ${wanted.join(' ')}`);
    return;
  }
  if (words[0] === 'leader') {
    const seen = live.map((n) => n.runtime.api.leader().leader);
    if (seen.some((l) => l !== Number(words[1]))) throw new Error(`leaders seen by nodes ${live.map((n) => n.pnn).join(',')}: ${seen.join(',')}`);
    return;
  }
  if (words[0] === 'quorum') {
    const seen = nums(words[1]).map((pnn) => {
      const status = cluster.node(pnn).runtime.api.status();
      return `${pnn}:${status.quorate ? 'yes' : 'no'} ${status.votes?.rule}`;
    });
    const wanted = nums(words[1]).map((pnn) => `${pnn}:${words[2]} ${words[3]}`);
    if (seen.join(', ') !== wanted.join(', ')) throw new Error(`quorum is ${seen.join(', ')}, expected ${wanted.join(', ')}`);
    return;
  }
  if (words[0] === 'flags') {
    const pnn = Number(words[1]);
    const seen = live.map((n) => n.runtime.api.status().nodes[pnn].flags);
    if (seen.some((f) => f !== words[2])) throw new Error(`node ${pnn} flags seen by ${live.map((n) => n.pnn).join(',')}: ${seen.join(', ')}`);
    return;
  }
  if (words[0] === 'result') {
    if (state.lastResult !== words[1]) throw new Error(`last command gave ${state.lastResult}, expected ${words[1]}`);
    return;
  }
  if (words[0] === 'exclusive') {
    if (cluster.violations.length > 0) throw new Error(`addresses on two nodes: ${cluster.violations.slice(0, 5).join('; ')}`);
    return;
  }
  if (words[1] === 'on') {
    const holder = await cluster.holderOf(words[0]);
    const wanted = Number(words[2]);
    if (holder !== wanted) throw new Error(`${words[0]} is on ${holder === NO_NODE ? 'no node' : `node ${holder}`}, expected ${wanted}`);
    return;
  }
  throw new Error(`unknown expectation "${words.join(' ')}"`);
}
