// The Wireshark dissector's message table (contrib/wireshark/floatip.lua), rendered as Lua from the codecs' wire shapes.
//
// The dissector interprets this table with one small reader per field type, so a new
// message kind, or a changed field, is one `npm run wireshark:table` away: nothing in
// the Lua is written by hand per message. The table sits between two marker lines in
// floatip.lua (one file to copy into Wireshark's plugin folder); the unit test
// test/unit/wireshark/lua-table.test.ts keeps the committed block equal to this output.

import { FLAG_NAMES, NodeFlag, SELF_REPORTED_FLAGS } from '../core/flags';
import { WireShape } from './frame-fields';
import { MESSAGE_BODIES, MESSAGE_TYPES } from './frame-message-codecs';
import { PeerMessageKind } from './frame-messages';

export const LUA_TABLE_BEGIN = '-- BEGIN GENERATED MESSAGE TABLE';
export const LUA_TABLE_END = '-- END GENERATED MESSAGE TABLE';

/**
 * How a field is shown beyond its wire type, by `kind.field.path`: a u32 whose bits are
 * named flags. A hint whose path no longer exists fails the rendering, so it cannot rot.
 */
export const FLAG_FIELDS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'heartbeat.flags': Object.fromEntries(FLAG_NAMES.filter((name) => (NodeFlag[name] & SELF_REPORTED_FLAGS) !== 0)
    .map((name) => [name, NodeFlag[name]])),
};

/** Every message kind in wire-type order, with its type code. */
export function messageKindsByType(): Array<[PeerMessageKind, number]> {
  return (Object.entries(MESSAGE_TYPES) as Array<[PeerMessageKind, number]>).sort((a, b) => a[1] - b[1]);
}

function luaString(text: string): string {
  return JSON.stringify(text);
}

function hex(value: number, digits: number): string {
  return `0x${value.toString(16).padStart(digits, '0')}`;
}

function renderShape(shape: WireShape, path: string, indent: string, used: Set<string>): string {
  const inner = `${indent}  `;
  switch (shape.type) {
    case 'bytes': return `{ type = "bytes", length = ${shape.length} }`;
    case 'enum': return `{ type = "enum", names = { ${shape.names.map(luaString).join(', ')} } }`;
    case 'text': return `{ type = "text", max = ${shape.maxBytes} }`;
    case 'optional': return `{ type = "optional", inner = ${renderShape(shape.inner, path, indent, used)} }`;
    case 'list':
      return `{ type = "list", count = ${shape.countBytes}, item = ${renderShape(shape.item, path, indent, used)} }`;
    case 'struct': {
      if (shape.fields.length === 0) return '{ type = "struct", fields = {} }';
      const rows = shape.fields.map(([key, field]) => `${inner}{ ${luaString(key)}, ${renderShape(field, `${path}.${key}`, inner, used)} },`);
      return `{ type = "struct", fields = {\n${rows.join('\n')}\n${indent}} }`;
    }
    case 'tagged': {
      const rows = shape.variants.map(([name, variant]) => `${inner}{ ${luaString(name)}, ${renderShape(variant, path, inner, used)} },`);
      return `{ type = "tagged", key = ${luaString(shape.key)}, variants = {\n${rows.join('\n')}\n${indent}} }`;
    }
    default: {
      const flags = FLAG_FIELDS[path];
      if (flags === undefined) return `{ type = "${shape.type}" }`;
      if (shape.type !== 'u32') throw new Error(`wireshark-table: ${path} is ${shape.type}, but FLAG_FIELDS names it as a u32 flag word`);
      used.add(path);
      const bits = Object.entries(flags).map(([name, bit]) => `[${hex(bit, 2)}] = ${luaString(name)}`);
      return `{ type = "u32", flags = { ${bits.join(', ')} } }`;
    }
  }
}

/** The generated block, marker lines included: `local MESSAGES = { [type] = { kind, body } }`. */
export function wiresharkMessageTable(): string {
  const used = new Set<string>();
  const rows = messageKindsByType().map(([kind, type]) => {
    const body = renderShape(MESSAGE_BODIES[kind].wire, kind, '    ', used);
    return `  [${hex(type, 2)}] = { kind = ${luaString(kind)},\n    body = ${body} },`;
  });
  const stale = Object.keys(FLAG_FIELDS).filter((path) => !used.has(path));
  if (stale.length > 0) throw new Error(`wireshark-table: FLAG_FIELDS names ${stale.join(', ')}, which no message has any more`);
  return [
    `${LUA_TABLE_BEGIN} (npm run wireshark:table writes it from src/protocol/frame-message-codecs.ts: do not edit by hand)`,
    '-- One row per message type: its kind and its payload layout, fields in wire order.',
    'local MESSAGES = {',
    ...rows,
    '}',
    LUA_TABLE_END,
  ].join('\n');
}

/** `source` (floatip.lua) with its generated block replaced by `table`; throws when the markers are missing. */
export function replaceMessageTable(source: string, table: string): string {
  const begin = source.indexOf(LUA_TABLE_BEGIN);
  const endMarker = source.indexOf(LUA_TABLE_END, begin);
  if (begin < 0 || endMarker < 0) {
    throw new Error(`floatip.lua has no '${LUA_TABLE_BEGIN}' ... '${LUA_TABLE_END}' block to replace`);
  }
  return source.slice(0, begin) + table + source.slice(endMarker + LUA_TABLE_END.length);
}

/** The generated block inside `source`, or undefined when it has none. */
export function committedMessageTable(source: string): string | undefined {
  const begin = source.indexOf(LUA_TABLE_BEGIN);
  const endMarker = source.indexOf(LUA_TABLE_END, begin);
  if (begin < 0 || endMarker < 0) return undefined;
  return source.slice(begin, endMarker + LUA_TABLE_END.length);
}
