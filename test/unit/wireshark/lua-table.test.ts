// The dissector's message table stays the one generated from the codecs, has a row for every kind, and its Lua is 5.2.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MESSAGE_TYPES } from '../../../src/protocol/frame-message-codecs';
import { PeerMessageKind } from '../../../src/protocol/frame-messages';
import { committedMessageTable, replaceMessageTable, wiresharkMessageTable } from '../../../src/protocol/wireshark-table';

const DISSECTOR = join(__dirname, '..', '..', '..', 'contrib', 'wireshark', 'floatip.lua');
const source = readFileSync(DISSECTOR, 'utf8');

/** The Lua code without comments and string literals, for syntax checks that must not trip over prose. */
function luaCodeOnly(lua: string): string {
  return lua
    .replace(/--\[(=*)\[[\s\S]*?\]\1\]/g, ' ')
    .replace(/--[^\n]*/g, ' ')
    .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, '""');
}

describe('contrib/wireshark/floatip.lua', () => {
  it('holds the message table generated from src/protocol/frame-messages.ts', () => {
    const committed = committedMessageTable(source);
    if (committed !== wiresharkMessageTable()) {
      throw new Error('contrib/wireshark/floatip.lua: its message table differs from the codecs: run npm run wireshark:table');
    }
  });

  it.each(Object.entries(MESSAGE_TYPES) as Array<[PeerMessageKind, number]>)('has a row for message kind %s', (kind, type) => {
    const row = `[0x${type.toString(16).padStart(2, '0')}] = { kind = "${kind}",`;
    if (!(committedMessageTable(source) ?? '').includes(row)) {
      throw new Error(`message kind '${kind}' (type 0x${type.toString(16)}) has no row in contrib/wireshark/floatip.lua: run npm run wireshark:table`);
    }
  });

  it('puts the generated table back in place, the rest of the file untouched', () => {
    const table = committedMessageTable(source) ?? '';
    const stale = replaceMessageTable(source, '-- BEGIN GENERATED MESSAGE TABLE\nlocal MESSAGES = {}\n-- END GENERATED MESSAGE TABLE');
    expect(stale).not.toBe(source);
    expect(replaceMessageTable(stale, table)).toBe(source);
    expect(() => replaceMessageTable('local x = 1\n', table)).toThrow(/no '-- BEGIN GENERATED MESSAGE TABLE'/);
  });

  it('uses no Lua 5.3 operators (Debian 12 Wireshark runs Lua 5.2): bit32 instead of & | ~ << >>, no //', () => {
    const code = luaCodeOnly(source);
    const found = code.split('\n').flatMap((line, i) => {
      const bad = line.replace(/~=/g, '').match(/\/\/|<<|>>|[&|~]/g);
      return bad ? [`line ${i + 1}: ${bad.join(' ')} in ${line.trim()}`] : [];
    });
    expect(found).toEqual([]);
  });

  it('the 5.2 check finds 5.3 operators when they are there', () => {
    const code = luaCodeOnly('local a = b // 2 -- fine // here\nlocal c = "x & y" .. (d & 1)\nif e ~= f then g = h << 1 end');
    expect(code.match(/\/\/|<<|>>|[&|]/g)).toEqual(['//', '&', '<<']);
  });
});
