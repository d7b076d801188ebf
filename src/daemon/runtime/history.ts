// The cluster's last takeover runs, whoever led them, newest first, for `floatip history` and `floatip uptime`.
//
// The leader adds each run it finishes and sends it to every peer (RUN-RECORD); a node adds what
// it hears and sends all it keeps to a peer on a new connection. So every node holds the same
// runs, and a new leader goes on from what it has: nothing is lost when the leader changes.

import { Pnn } from '../../core/flags';
import { TakeoverRunRecord } from '../../protocol/control-results';
import { MAX_TEXT_BYTES, RunRecordMessage } from '../../protocol/frame-messages';

/** Epochs grow across leaders (a new leader starts above every epoch it has seen): the newest run has the highest. */
function newerFirst(a: TakeoverRunRecord, b: TakeoverRunRecord): number {
  return b.epoch - a.epoch || b.startedAt - a.startedAt || a.leader - b.leader;
}

function sameRun(a: TakeoverRunRecord, b: TakeoverRunRecord): boolean {
  return a.epoch === b.epoch && a.leader === b.leader;
}

export class RunHistory {
  private readonly records: TakeoverRunRecord[] = [];

  constructor(private readonly limit: number) {}

  /** Keeps `record` in its place by epoch; false when it is known already or older than all the history keeps. */
  add(record: TakeoverRunRecord): boolean {
    if (this.records.some((known) => sameRun(known, record))) return false;
    const at = this.records.findIndex((known) => newerFirst(record, known) < 0);
    const index = at < 0 ? this.records.length : at;
    if (index >= this.limit) return false;
    this.records.splice(index, 0, record);
    if (this.records.length > this.limit) this.records.length = this.limit;
    return true;
  }

  /** Newest first; `limit` caps how many. */
  list(limit?: number): TakeoverRunRecord[] {
    return this.records.slice(0, limit === undefined ? this.records.length : Math.max(0, limit));
  }

  /** The newest run that finished (ok or failed), if any. */
  lastFinished(): TakeoverRunRecord | undefined {
    return this.records.find((r) => r.status !== 'superseded');
  }
}

const encoder = new TextEncoder();

/** `text` cut to whole characters within the peer protocol's limit on free text. */
function clipText(text: string): string {
  if (encoder.encode(text).length <= MAX_TEXT_BYTES) return text;
  let clipped = '';
  let bytes = 0;
  for (const char of text) {
    const size = encoder.encode(char).length;
    if (bytes + size > MAX_TEXT_BYTES - 3) break;
    clipped += char;
    bytes += size;
  }
  return `${clipped}...`;
}

const toUs = (ms: number): number => Math.max(0, Math.round(ms * 1000));
const toMs = (us: number): number => us / 1000;

export function runRecordMessage(record: TakeoverRunRecord): RunRecordMessage {
  const { phases } = record;
  return {
    kind: 'run-record',
    epoch: record.epoch,
    leader: record.leader,
    startedAtMs: Math.max(0, Math.round(record.startedAt)),
    reason: clipText(record.reason),
    status: record.status,
    error: clipText(record.error),
    moves: record.moves,
    phasesUs: { allocate: toUs(phases.allocate), release: toUs(phases.release), take: toUs(phases.take), ipreallocated: toUs(phases.ipreallocated), total: toUs(phases.total) },
    ...(record.loopDelayP99Ms === null ? {} : { loopDelayP99Us: toUs(record.loopDelayP99Ms) }),
  };
}

export function runRecordOf(message: RunRecordMessage): TakeoverRunRecord {
  const { phasesUs } = message;
  return {
    epoch: message.epoch,
    leader: message.leader as Pnn,
    startedAt: message.startedAtMs,
    reason: message.reason,
    status: message.status,
    error: message.error,
    moves: message.moves,
    phases: { allocate: toMs(phasesUs.allocate), release: toMs(phasesUs.release), take: toMs(phasesUs.take), ipreallocated: toMs(phasesUs.ipreallocated), total: toMs(phasesUs.total) },
    loopDelayP99Ms: message.loopDelayP99Us === undefined ? null : toMs(message.loopDelayP99Us),
  };
}
