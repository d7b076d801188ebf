// Runs the membership spec fixtures: each file is phases of observations -> expected view summary and changes.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LinkState } from '../../../../src/core/address';
import { FLAG_NAMES, formatFlags, NodeFlag, NodeFlagName, NodeFlags } from '../../../../src/core/flags';
import { ip } from '../../../../src/core/ip';
import {
  claimedHolders, createView, describeChange, MembershipConfig, MembershipView, nodeFlags, NodeState, Observation, update,
} from '../../../../src/core/membership';
import { MembershipError } from '../../../../src/core/membership-errors';

const FIXTURE_DIR = join(__dirname, '../../fixtures/membership');

interface FixturePhase {
  description: string;
  observations: Record<string, unknown>[];
  expected?: {
    now?: number;
    nodes?: Record<string, Record<string, unknown>>;
    claims?: Record<string, number[]>;
    changes: string[];
  };
  error?: { code: string; messageContains: string[] };
}

interface Fixture {
  description: string;
  config: MembershipConfig;
  phases: FixturePhase[];
}

function parseFlags(text: string, where: string): NodeFlags {
  if (text === 'OK') return 0;
  return text.split('|').reduce((flags, name) => {
    if (!FLAG_NAMES.includes(name as NodeFlagName)) throw new Error(`${where}: unknown flag '${name}'`);
    return flags | NodeFlag[name as NodeFlagName];
  }, 0);
}

/** Addresses in fixtures are text, parsed here as the frame decoder parses them at the edge. */
function addresses(raw: unknown): unknown {
  return Array.isArray(raw) ? raw.map((text) => ip(String(text))) : raw;
}

/** Heartbeats in fixtures may leave out the dull fields; flags are written as text. */
function toObservation(raw: Record<string, unknown>, where: string): Observation {
  if (raw.kind === 'hosting') return { ...raw, addresses: addresses(raw.addresses) } as unknown as Observation;
  if (raw.kind !== 'heartbeat') return raw as unknown as Observation;
  return {
    epoch: 0, leader: -1, links: {}, heard: [],
    ...raw,
    hosted: addresses(raw.hosted ?? []),
    flags: parseFlags(typeof raw.flags === 'string' ? raw.flags : 'OK', where),
  } as unknown as Observation;
}

function summarize(node: NodeState): Record<string, unknown> {
  const links: Record<string, LinkState> = {};
  for (const name of [...node.links.keys()].sort()) links[name] = node.links.get(name) as LinkState;
  return {
    flags: formatFlags(nodeFlags(node)),
    hosted: node.hosted,
    links,
    lastHeardAt: node.lastHeardAt ?? null,
    bannedUntil: node.bannedUntil ?? null,
    epoch: node.epoch,
    leader: node.leader,
    reportedPartition: node.reportedPartition ?? null,
    heardUsAt: node.heardUsAt ?? null,
  };
}

function pick(summary: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => {
    if (!(key in summary)) throw new Error(`fixture names unknown node field '${key}'`);
    return [key, summary[key]];
  }));
}

const files = readdirSync(FIXTURE_DIR).filter((name) => name.endsWith('.json')).sort();

test('fixture directory is not empty', () => {
  expect(files.length).toBeGreaterThanOrEqual(10);
});

describe.each(files)('%s', (file) => {
  const fixture = JSON.parse(readFileSync(join(FIXTURE_DIR, file), 'utf8')) as Fixture;

  it(fixture.description, () => {
    let view: MembershipView = createView(fixture.config);
    fixture.phases.forEach((phase, index) => {
      const where = `${file} phase ${index + 1} (${phase.description})`;
      if ((phase.expected === undefined) === (phase.error === undefined)) {
        throw new Error(`${where}: give exactly one of "expected" and "error"`);
      }
      if (phase.error) {
        if (phase.observations.length !== 1) throw new Error(`${where}: an error phase has exactly one observation`);
        const before = structuredClone(view);
        let thrown: unknown;
        try {
          update(view, toObservation(phase.observations[0], where));
        } catch (error) {
          thrown = error;
        }
        expect({ where, thrown: thrown instanceof MembershipError }).toEqual({ where, thrown: true });
        const error = thrown as MembershipError;
        expect({ where, code: error.code }).toEqual({ where, code: phase.error.code });
        for (const part of phase.error.messageContains) {
          expect({ where, message: error.message }).toEqual({ where, message: expect.stringContaining(part) });
        }
        expect(view).toEqual(before);
        return;
      }
      const expected = phase.expected!;
      const changes: string[] = [];
      for (const raw of phase.observations) {
        const before = structuredClone(view);
        const result = update(view, toObservation(raw, where));
        expect(view).toEqual(before); // update never mutates its input
        changes.push(...result.changes.map(describeChange));
        view = result.view;
      }
      expect({ where, changes }).toEqual({ where, changes: expected.changes });
      if (expected.now !== undefined) expect({ where, now: view.now }).toEqual({ where, now: expected.now });
      for (const [pnn, fields] of Object.entries(expected.nodes ?? {})) {
        const node = view.nodes[Number(pnn)];
        expect({ where, pnn, node: pick(summarize(node), Object.keys(fields)) }).toEqual({ where, pnn, node: fields });
      }
      if (expected.claims) {
        expect({ where, claims: Object.fromEntries(claimedHolders(view)) }).toEqual({ where, claims: expected.claims });
      }
    });
  });
});
