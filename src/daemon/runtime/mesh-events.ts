// What the node does with each event of its mesh: one handler per kind (a peer up or down, a guardian's notice, refusals, a message).

import { describeRefusals } from '../../adapters/peer/refusal-tally';
import { MeshEvent, PeerDownReason, PeerMesh } from '../../adapters/peer/port';
import { Pnn } from '../../core/flags';
import { ClusterState } from './cluster-state';
import { Heartbeats } from './heartbeat';
import { TakeoverLeader } from './leader';
import { Logger } from './logger';
import { PublicAddressesMessage, RunRecordMessage, SessionMessage } from './messages';
import { RoundTrips } from './rtt';
import { ConnectionTracker } from './tickles';

export interface MeshEventParts {
  readonly mesh: Pick<PeerMesh, 'send'>;
  readonly state: Pick<ClusterState, 'view' | 'observe'>;
  readonly leader: Pick<TakeoverLeader, 'peerGone' | 'guardianFenced'>;
  readonly heartbeats: Pick<Heartbeats, 'message' | 'stopped'>;
  readonly tracker: Pick<ConnectionTracker, 'fullLists'>;
  readonly roundTrips: Pick<RoundTrips, 'ping' | 'peerDown'>;
  /** This node's public address list as a message. */
  readonly addressMessage: () => PublicAddressesMessage;
  /** The takeover runs this node keeps, oldest first, as messages (history.ts). */
  readonly runRecords: () => RunRecordMessage[];
  /** The message router (router.ts). */
  readonly route: (from: Pnn, message: SessionMessage) => void;
  readonly log: Logger;
}

const NOT_A_CRASH: ReadonlySet<PeerDownReason> = new Set<PeerDownReason>(['leaving', 'stopped', 'reset']);

type MeshEventTable = { readonly [K in MeshEvent['kind']]: (event: Extract<MeshEvent, { kind: K }>) => void };

export class MeshEvents {
  /** Frames the mesh dropped (failed authentication or decoding, a node claiming another's number). */
  rejectedFrames = 0;
  private readonly table: MeshEventTable;

  constructor(parts: MeshEventParts) {
    const { mesh, state, leader, heartbeats, tracker, roundTrips, log } = parts;
    this.table = {
      // A new session learns all we would have told it: our heartbeat, list, tickle lists and the runs we keep, and a first round trip.
      'peer-up': (event) => {
        // A node that said LEAVING says nothing more: a heartbeat would count it back in.
        if (heartbeats.stopped) return;
        mesh.send(event.pnn, heartbeats.message());
        mesh.send(event.pnn, parts.addressMessage());
        for (const full of tracker.fullLists()) mesh.send(event.pnn, full);
        for (const run of parts.runRecords()) mesh.send(event.pnn, run);
        roundTrips.ping(event.pnn);
      },
      'peer-down': (event) => {
        log.info({ peer: event.pnn, reason: event.reason }, `connection to node ${event.pnn} down (${event.reason}): ${event.detail}`);
        // A peer that said LEAVING, a connection our own stop closed, or one we reset because the
        // peer was silent (the silence hold covers it) is no crash: no crash hold.
        leader.peerGone(event.pnn, !NOT_A_CRASH.has(event.reason));
        state.observe({ kind: 'stream-closed', pnn: event.pnn });
        roundTrips.peerDown(event.pnn);
      },
      fenced: (event) => {
        const left = leader.guardianFenced(event.pnn);
        log.info({ peer: event.pnn, cause: event.cause, removed: event.removed, graceLeftMs: Math.round(left) },
          `node ${event.pnn}'s guardian removed its ${event.removed} address(es) (${event.cause})`
          + (left > 0 ? `: no need to wait the ${Math.round(left)} ms of crash grace left` : ''));
      },
      rejected: (event) => {
        this.rejectedFrames++;
        log.warn({ peer: event.pnn, remote: event.remote, code: event.code }, `rejected: ${event.detail}`);
      },
      refused: (event) => {
        log.warn({ codes: event.counts, sources: event.sources, intervalMs: event.intervalMs }, describeRefusals(event));
      },
      message: (event) => parts.route(event.from, event.message),
    };
  }

  handle(event: MeshEvent): void {
    // The row of the event's own kind (TypeScript cannot correlate the two).
    (this.table[event.kind] as (event: MeshEvent) => void)(event);
  }
}
