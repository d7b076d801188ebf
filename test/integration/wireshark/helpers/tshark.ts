// Runs tshark with the floatip dissector over a capture and hands back its JSON, one entry per floatip frame.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../helpers/netns-child';
import { JsonTree, JsonValue } from './expected-tree';

export const DISSECTOR = join(REPO_ROOT, 'contrib', 'wireshark', 'floatip.lua');

export interface DissectedFrame {
  /** The capture's packet number (a packet may carry several frames, or end one that began earlier). */
  readonly packet: number;
  readonly src: string;
  readonly srcPort: number;
  readonly stream: number;
  /** The floatip subtree, without its expert info. */
  readonly tree: JsonTree;
  /** Expert infos in the floatip subtree: field name -> message. */
  readonly experts: ReadonlyArray<{ readonly name: string; readonly message: string }>;
}

export interface Dissection {
  readonly frames: DissectedFrame[];
  /** Packets with a malformed mark anywhere (`_ws.malformed`: ours or another dissector's) or a Lua error. */
  readonly brokenPackets: number[];
  /** Packets where the dissector itself failed (a Lua error). */
  readonly luaErrors: number[];
  readonly stderr: string;
}

function one(value: JsonValue | undefined): string {
  return Array.isArray(value) ? String(value[0]) : String(value);
}

function keysDeep(value: JsonValue, out: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const item of value) keysDeep(item, out);
  else if (typeof value === 'object') for (const [key, child] of Object.entries(value)) { out.add(key); keysDeep(child, out); }
  return out;
}

/**
 * Expert infos of a floatip subtree, and the subtree without them. tshark shows an expert
 * info as a key (its message) whose object holds `_ws.expert` (and `_ws.malformed` for
 * the malformed group), wherever in the tree it was added.
 */
function splitExperts(tree: JsonTree, experts: Array<{ name: string; message: string }>): JsonTree {
  const out: JsonTree = {};
  for (const [key, value] of Object.entries(tree)) {
    const entries = Array.isArray(value) ? value : [value];
    const isExpert = entries.every((entry) => typeof entry === 'object' && !Array.isArray(entry) && entry['_ws.expert'] !== undefined);
    if (isExpert) {
      for (const entry of entries) {
        const fields = (entry as JsonTree)['_ws.expert'] as JsonTree;
        const name = Object.keys(fields).find((k) => !k.startsWith('_ws.expert')) ?? '?';
        experts.push({ name, message: one(fields['_ws.expert.message']) });
      }
      continue;
    }
    const split = (entry: JsonValue): JsonValue => (typeof entry === 'object' && !Array.isArray(entry) ? splitExperts(entry, experts) : entry);
    out[key] = Array.isArray(value) ? value.map(split) : split(value);
  }
  return out;
}

/** `tshark -X lua_script:floatip.lua -r CAPTURE -T json`, every floatip frame in capture order. */
export async function dissect(capture: string, options: { keyFile?: string; port?: number } = {}): Promise<Dissection> {
  const args = ['-X', `lua_script:${DISSECTOR}`, '-r', capture, '-T', 'json', '--no-duplicate-keys'];
  if (options.keyFile !== undefined) args.push('-o', `floatip.key_file:${options.keyFile}`);
  if (options.port !== undefined) args.push('-o', `floatip.port:${options.port}`);
  const { stdout, stderr } = await promisify(execFile)('tshark', args, { maxBuffer: 512 << 20 });
  const packets = JSON.parse(stdout) as Array<{ _source: { layers: JsonTree } }>;
  const frames: DissectedFrame[] = [];
  const brokenPackets: number[] = [];
  const luaErrors: number[] = [];
  for (const { _source: { layers } } of packets) {
    const frameLayer = layers.frame as JsonTree;
    const packet = Number(one(frameLayer['frame.number']));
    const keys = keysDeep(layers, new Set());
    if (keys.has('_ws.malformed') || keys.has('_ws.lua.error')) brokenPackets.push(packet);
    if (keys.has('_ws.lua.error')) luaErrors.push(packet);
    const floatip = layers.floatip;
    if (floatip === undefined) continue;
    const ip = layers.ip as JsonTree;
    const tcp = layers.tcp as JsonTree;
    for (const layer of Array.isArray(floatip) ? floatip : [floatip]) {
      const experts: Array<{ name: string; message: string }> = [];
      const tree = splitExperts(layer as JsonTree, experts);
      frames.push({
        packet, src: one(ip['ip.src']), srcPort: Number(one(tcp['tcp.srcport'])), stream: Number(one(tcp['tcp.stream'])), tree, experts,
      });
    }
  }
  return { frames, brokenPackets, luaErrors, stderr };
}
