// The takeover port: take, release and move one public address (or many) on this node, with timed reports.

import { PublicAddress } from '../../core/address';
import { IpAddress } from '../../core/ip';
import { TcpConnection } from '../../protocol/packets';
import { AddOutcome, DeleteOutcome } from '../netlink/port';

/** What take/release/move need of a public address: the address and its prefix length. */
export type TakeoverAddress = Pick<PublicAddress, 'address' | 'bits'>;

/**
 * Milliseconds each step took, with sub-ms precision (three decimals); a step that did
 * not run is absent. In batch reports each figure is the whole batch's step.
 */
export interface StepTimes {
  /** Reading the kernel's addresses to find where an address sits (release, move). */
  readonly lookup?: number;
  /** Netlink add. */
  readonly add?: number;
  /** Until the first GARP/NA round was on the wire; later rounds go on in the background. */
  readonly announce?: number;
  /** Until the first round of tickles was sent. */
  readonly tickle?: number;
  /** Killing TCP connections on the address (SOCK_DESTROY or killtcp). */
  readonly destroy?: number;
  /** Netlink delete. */
  readonly delete?: number;
  readonly total: number;
}

/** Something that went wrong without stopping the operation: the address change itself was made. */
export interface TakeoverProblem {
  readonly code: 'E_TAKEOVER_ANNOUNCE' | 'E_TAKEOVER_TICKLE' | 'E_TAKEOVER_SOCKETS';
  readonly message: string;
}

export interface TakeReport {
  readonly op: 'take';
  readonly address: IpAddress;
  readonly bits: number;
  readonly iface: string;
  /** `present`: the address was on the interface already, so it was only announced again. */
  readonly outcome: AddOutcome;
  /** Connections whose first tickle was sent. */
  readonly tickled: number;
  readonly problems: readonly TakeoverProblem[];
  readonly ms: StepTimes;
}

/** How the TCP connections on a released address were killed. */
export interface SocketKillReport {
  /** `none`: the address was absent, so nothing was tried. */
  readonly method: 'destroy' | 'killtcp' | 'none';
  /** Sockets the kernel destroyed (their clients got a RST from the kernel). */
  readonly destroyed: number;
  /** Sockets that closed by themselves before they could be destroyed. */
  readonly alreadyGone: number;
  /** Connections reset by tickle, capture and RST (killtcp). */
  readonly killed: number;
  /** Connections neither way could kill; the address is deleted anyway. */
  readonly failed: number;
}

export interface ReleaseReport {
  readonly op: 'release';
  readonly address: IpAddress;
  /** `absent`: floatip held the address on no interface; nothing was changed. */
  readonly outcome: DeleteOutcome;
  /** Interfaces the address was deleted from (normally one). */
  readonly interfaces: readonly string[];
  readonly sockets: SocketKillReport;
  readonly problems: readonly TakeoverProblem[];
  readonly ms: StepTimes;
}

export interface MoveReport {
  readonly op: 'move';
  readonly address: IpAddress;
  readonly bits: number;
  readonly fromIface: string;
  readonly toIface: string;
  readonly added: AddOutcome;
  readonly deleted: DeleteOutcome;
  readonly problems: readonly TakeoverProblem[];
  readonly ms: StepTimes;
}

export interface TakeOptions {
  /** Client connections recorded for this address on its previous owner: each gets tickles. */
  readonly tickles?: readonly TcpConnection[];
}

export interface TakeRequest extends TakeOptions {
  readonly address: TakeoverAddress;
  readonly iface: string;
}

/** One address of a batch the kernel refused; the others went ahead. */
export interface BatchFailure {
  readonly address: IpAddress;
  readonly error: TakeoverError;
}

export interface BatchReport<R> {
  /** One report per address that succeeded, in request order. */
  readonly reports: readonly R[];
  readonly failures: readonly BatchFailure[];
  /** Each step's time for the whole batch. */
  readonly ms: StepTimes;
}

/**
 * Every operation is idempotent: repeating one that succeeded changes nothing in the
 * kernel and says so in its outcome (`present`, `absent`). Operations throw
 * TakeoverError only when the address change itself failed; announcement, tickle and
 * socket-kill failures are reported as problems, because the address change stands.
 */
export interface Takeover {
  /** Adds the address (IPv6 with NODAD), announces it, tickles `tickles`. */
  take(address: TakeoverAddress, iface: string, options?: TakeOptions): Promise<TakeReport>;
  /** Stops announcements, kills TCP connections on the address, deletes it from every interface floatip put it on. */
  release(address: TakeoverAddress): Promise<ReleaseReport>;
  /** CTDB's updateip: the address changes interface on this node; its connections stay. */
  move(address: TakeoverAddress, fromIface: string, toIface: string): Promise<MoveReport>;
  /** take for many addresses: concurrent netlink adds, one announcement batch, one tickle batch. */
  takeMany(requests: readonly TakeRequest[]): Promise<BatchReport<TakeReport>>;
  /** release for many addresses: one address lookup, concurrent socket kills and deletes. */
  releaseMany(addresses: readonly TakeoverAddress[]): Promise<BatchReport<ReleaseReport>>;
}

export type TakeoverErrorCode = 'E_TAKEOVER_ADD' | 'E_TAKEOVER_DELETE' | 'E_TAKEOVER_LOOKUP' | 'E_TAKEOVER_OPTIONS';

export class TakeoverError extends Error {
  constructor(readonly code: TakeoverErrorCode, message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'TakeoverError';
  }
}
