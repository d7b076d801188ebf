// Test link: records every batch of frames with the time it was sent, and can be told to fail.

import { FrameLink } from '../../../../src/adapters/packet/frame-link';
import { mac, MacAddress } from '../../../../src/protocol/packets';

const NODE_MAC = mac('02:00:00:00:00:0a');
import { ManualClock } from '../../../../src/adapters/memory/clock';

export interface SentBatch {
  readonly at: number;
  readonly frames: Buffer[];
}

export class FakeLink implements FrameLink {
  readonly batches: SentBatch[] = [];
  closed = false;
  /** When set, the next sendBatch sends this many frames and then throws. */
  failAfter: number | undefined;

  constructor(private readonly clock: ManualClock, readonly mac: MacAddress = NODE_MAC, readonly hardwareType = 1) {}

  sendBatch(frames: Buffer[]): number {
    if (this.closed) throw new Error('link used after close');
    if (this.failAfter !== undefined) {
      const sent = this.failAfter;
      this.failAfter = undefined;
      if (sent > 0) this.batches.push({ at: this.clock.now(), frames: frames.slice(0, sent) });
      throw Object.assign(new Error('sendmmsg(fpk0b): Network is down'), { code: 'ENETDOWN', sent });
    }
    this.batches.push({ at: this.clock.now(), frames: [...frames] });
    return frames.length;
  }

  close(): void {
    this.closed = true;
  }

  get frames(): Buffer[] {
    return this.batches.flatMap((b) => b.frames);
  }
}
