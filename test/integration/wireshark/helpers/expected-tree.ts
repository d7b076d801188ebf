// What tshark's JSON (-T json --no-duplicate-keys) must show for a frame, built from the project's codecs and decoded values.
//
// The layout rules are the dissector's (contrib/wireshark/floatip.lua, "Fields"): a body
// field is floatip.<kind>.<path>; a list shows its count as <path>.count with the items
// under <path>.count_tree; an address is <path>.v4 or <path>.v6; a struct or tagged union
// is an object under its own name. Repeated names merge into arrays, as tshark merges them.

import { WireShape } from '../../../../src/protocol/frame-fields';
import { MESSAGE_BODIES, MESSAGE_TYPES } from '../../../../src/protocol/frame-message-codecs';
import { PeerMessage } from '../../../../src/protocol/frame-messages';
import { FLAG_FIELDS } from '../../../../src/protocol/wireshark-table';
import { NO_NODE } from '../../../../src/core/flags';
import { IpAddress } from '../../../../src/core/ip';

export type JsonTree = { [key: string]: JsonValue };
export type JsonValue = string | JsonTree | JsonValue[];

function put(tree: JsonTree, key: string, value: JsonValue): void {
  const existing = tree[key];
  if (existing === undefined) tree[key] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else tree[key] = [existing, value];
}

export function colonHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1:');
}

function addStructFields(tree: JsonTree, fields: readonly (readonly [string, WireShape])[], abbrev: string, path: string, value: Record<string, unknown>): void {
  for (const [key, shape] of fields) addShape(tree, shape, `${abbrev}.${key}`, `${path}.${key}`, value[key]);
}

function addShape(tree: JsonTree, shape: WireShape, abbrev: string, path: string, value: unknown): void {
  switch (shape.type) {
    case 'u8': case 'u16': case 'pnn': case 'u64':
      put(tree, abbrev, String(value));
      return;
    case 'u32': {
      const flags = FLAG_FIELDS[path];
      if (flags === undefined) { put(tree, abbrev, String(value)); return; }
      put(tree, abbrev, `0x${(value as number).toString(16).padStart(8, '0')}`);
      put(tree, `${abbrev}_tree`, Object.fromEntries(Object.entries(flags)
        .map(([name, bit]) => [`${abbrev}.${name}`, ((value as number) & bit) !== 0 ? '1' : '0'])));
      return;
    }
    case 'pnn-or-none': put(tree, abbrev, String(value === NO_NODE ? 0xffffffff : value)); return;
    case 'bool': put(tree, abbrev, value ? '1' : '0'); return;
    case 'enum': put(tree, abbrev, String(shape.names.indexOf(value as string))); return;
    case 'bytes': put(tree, abbrev, colonHex(value as Uint8Array)); return;
    case 'ip': {
      const address = value as IpAddress;
      put(tree, `${abbrev}.v${address.family}`, address.text);
      return;
    }
    case 'ifname': case 'text': put(tree, abbrev, value as string); return;
    case 'optional': if (value !== undefined) addShape(tree, shape.inner, abbrev, path, value); return;
    case 'list': {
      const items = value as readonly unknown[];
      put(tree, `${abbrev}.count`, String(items.length));
      if (items.length === 0) return;
      const children: JsonTree = {};
      for (const item of items) addShape(children, shape.item, abbrev, path, item);
      put(tree, `${abbrev}.count_tree`, children);
      return;
    }
    case 'struct': {
      const children: JsonTree = {};
      addStructFields(children, shape.fields, abbrev, path, value as Record<string, unknown>);
      // A subtree left without children (a `#` line of nodes: its one optional field absent) is, to tshark, an empty value.
      put(tree, abbrev, Object.keys(children).length === 0 ? '' : children);
      return;
    }
    case 'tagged': {
      const record = value as Record<string, unknown>;
      const index = shape.variants.findIndex(([name]) => name === record[shape.key]);
      const variant = shape.variants[index][1];
      const children: JsonTree = { [`${abbrev}.${shape.key}`]: String(index) };
      if (variant.type !== 'struct') throw new Error(`${path}: a tagged variant must be a struct`);
      addStructFields(children, variant.fields, abbrev, path, record);
      put(tree, abbrev, children);
    }
  }
}

/** tshark's floatip tree of one frame: header, every body field, the MAC and its status ('1' good). */
export function expectedFloatipTree(frame: { readonly seq: number; readonly message: PeerMessage; readonly bytes: Uint8Array }, macStatus: string): JsonTree {
  const { message, bytes } = frame;
  const tree: JsonTree = {
    'floatip.length': String(bytes.length),
    'floatip.magic': '0x4650',
    'floatip.version': '1',
    'floatip.type': `0x${MESSAGE_TYPES[message.kind].toString(16).padStart(2, '0')}`,
    'floatip.seq': String(frame.seq),
  };
  const body = MESSAGE_BODIES[message.kind].wire;
  if (body.type !== 'struct') throw new Error(`${message.kind}: a message body must be a struct`);
  addStructFields(tree, body.fields, `floatip.${message.kind.replace(/-/g, '_')}`, message.kind, message as unknown as Record<string, unknown>);
  tree['floatip.mac'] = colonHex(bytes.subarray(bytes.length - 32));
  tree['floatip.mac_status'] = macStatus;
  return tree;
}
