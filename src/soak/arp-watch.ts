// Watches the public addresses from the client's side: runs the ARP prober in the client namespace and gathers what it saw.

import { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { spawnHelperIn, stopHelper } from './children';
import { wallMinusMonotonic } from './shared-clock';

/** One round in which two MACs answered the client's question for one address. */
export interface DuplicateAnswer {
  readonly t: number;
  readonly address: string;
  readonly macs: readonly string[];
}

export interface ProbeTotals {
  readonly rounds: number;
  readonly questions: number;
  readonly answers: number;
  readonly unanswered: number;
  readonly duplicates: number;
}

export interface ArpWatchOptions {
  readonly namespace: string;
  readonly iface: string;
  readonly clientIpv4: string;
  readonly clientIpv6: string | undefined;
  readonly roundMs: number;
  readonly addresses: readonly string[];
  readonly nodeArgs?: readonly string[];
}

export class ArpWatch {
  readonly duplicates: DuplicateAnswer[] = [];
  totals: ProbeTotals | undefined;
  /** The prober's failures after it started, for the report. */
  readonly problems: string[] = [];

  private constructor(private readonly child: ChildProcess) {}

  static start(options: ArpWatchOptions): Promise<ArpWatch> {
    const child = spawnHelperIn(options.namespace, 'arp-probe-child',
      [options.iface, options.clientIpv4, options.clientIpv6 ?? '-', String(options.roundMs), ...options.addresses], options.nodeArgs);
    const watch = new ArpWatch(child);
    // The child stamps on CLOCK_MONOTONIC; one offset puts its rounds on the soak's clock, beside the samplers'.
    const offset = wallMinusMonotonic();
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    return new Promise((resolve, reject) => {
      let ready = false;
      child.once('exit', (code) => {
        if (code === 0) return;
        const problem = `ARP prober in ${options.namespace} exited ${code}: ${stderr.trim()}`;
        if (ready) watch.problems.push(problem);
        else reject(new Error(problem));
      });
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const message = JSON.parse(line) as { type: string } & DuplicateAnswer & ProbeTotals;
        if (message.type === 'ready') {
          ready = true;
          resolve(watch);
        } else if (message.type === 'duplicate') {
          watch.duplicates.push({ t: message.t + offset, address: message.address, macs: message.macs });
        } else if (message.type === 'totals') {
          const { rounds, questions, answers, unanswered, duplicates } = message;
          watch.totals = { rounds, questions, answers, unanswered, duplicates };
        }
      });
    });
  }

  stop(): Promise<void> {
    return stopHelper(this.child);
  }
}
