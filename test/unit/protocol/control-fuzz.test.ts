// Fuzzing the control codec: 100,000 random and mutated request lines give typed errors, never exceptions.

import fc from 'fast-check';
import {
  ControlError, decodeReply, decodeRequest, encodeRequest,
} from '../../../src/protocol/control';
import { ControlLineReader } from '../../../src/protocol/control-line-reader';
import { requestArb } from './control-arbitraries';

const CODES = new Set(['E_CONTROL_LINE_TOO_LONG', 'E_CONTROL_BAD_UTF8', 'E_CONTROL_BAD_JSON', 'E_CONTROL_BAD_FIELD',
  'E_CONTROL_UNKNOWN_COMMAND', 'E_CONTROL_TRUNCATED']);

function random(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state % n;
  };
}

const valid = fc.sample(requestArb, { numRuns: 500, seed: 7 }).map((r) => encodeRequest(r).trimEnd());
const JSON_NOISE = ['{', '}', '[', ']', '"', ':', ',', 'null', 'true', '-1', '1e309', '0.5', '"__proto__"', '"constructor"',
  '\\u0000', '{"a":{}}', '[[[[[', '"x"', '99999999999999999999', ' '];

/** A mutation that keeps the line JSON but puts wrong types and values into the fields. */
function mutateJson(rand: (n: number) => number, line: string): string {
  const value = JSON.parse(line) as Record<string, unknown>;
  const wild = (): unknown => [null, true, -1, 1.5, 2 ** 53, '', 'x'.repeat(rand(40)), [], {}, [1, 'a'], { seconds: 1 }, '192.0.2.1', '2001:db8::1/64'][rand(13)];
  const args = (typeof value.args === 'object' && value.args !== null ? value.args : {}) as Record<string, unknown>;
  switch (rand(6)) {
    case 0: value.id = wild(); break;
    case 1: value.command = rand(2) ? wild() : ['status', 'ban', 'moveip', 'addip', 'event-script', 'event-run'][rand(6)]; break;
    case 2: { const keys = Object.keys(args); if (keys.length > 0) args[keys[rand(keys.length)]] = wild(); break; }
    case 3: { const keys = Object.keys(args); if (keys.length > 0) delete args[keys[rand(keys.length)]]; break; }
    case 4: args[['pnn', 'seconds', 'ip', 'prefix', 'ifaces', 'name', 'action', 'event', 'args', 'timeoutMs', 'verbose', 'limit', 'zz'][rand(13)]] = wild(); break;
    default: value[['args', 'extra', 'ok'][rand(3)]] = wild();
  }
  return JSON.stringify(value);
}

function hostileLine(rand: (n: number) => number): string {
  const base = valid[rand(valid.length)];
  switch (rand(5)) {
    case 0: return Array.from({ length: rand(80) }, () => String.fromCharCode(rand(0x3000))).join('');
    case 1: { // character-level damage
      const chars = [...base];
      for (let i = rand(4) + 1; i > 0; i--) chars[rand(chars.length)] = String.fromCharCode(rand(128));
      return chars.join('');
    }
    case 2: return base.slice(0, rand(base.length)) + JSON_NOISE[rand(JSON_NOISE.length)] + base.slice(rand(base.length));
    case 3: return mutateJson(rand, base);
    default: return mutateJson(rand, mutateJson(rand, base));
  }
}

describe('control fuzz', () => {
  it('answers 100,000 hostile request lines with a request or a typed error, never an exception', () => {
    const rand = random(0xc0ffee);
    let accepted = 0;
    let refused = 0;
    for (let round = 0; round < 100_000; round++) {
      const line = hostileLine(rand);
      const decoded = decodeRequest(line);
      if (decoded.ok) {
        accepted++;
        // Whatever is accepted must be a request the encoder would produce again.
        encodeRequest(decoded.request);
      } else {
        refused++;
        if (!(decoded.error instanceof ControlError) || !CODES.has(decoded.error.code)) throw new Error(`untyped: ${String(decoded.error)}`);
        if (decoded.id !== null && (!Number.isInteger(decoded.id) || decoded.id < 0)) throw new Error(`bad id ${decoded.id}`);
      }
      const reply = decodeReply(line);
      if (!reply.ok && !CODES.has(reply.error.code)) throw new Error(`untyped reply error ${reply.error.code}`);
    }
    // The mutations must reach both sides, or they are not testing the field checks.
    expect(accepted).toBeGreaterThan(5_000);
    expect(refused).toBeGreaterThan(50_000);
  });

  it('survives absurd nesting and huge numbers', () => {
    for (const line of ['['.repeat(60_000), '{"id":1,"command":"ban","args":{"seconds":1e400}}', `{"id":${'9'.repeat(400)}}`]) {
      const decoded = decodeRequest(line);
      expect(decoded.ok).toBe(false);
    }
  });

  it('feeds random bytes through the line reader with bounded memory and typed errors only', () => {
    const rand = random(0xfeed);
    const reader = new ControlLineReader(256);
    for (let round = 0; round < 20_000; round++) {
      const chunk = Uint8Array.from({ length: rand(300) }, () => (rand(20) === 0 ? 0x0a : rand(256)));
      for (const result of reader.push(chunk)) {
        if (result.kind === 'error' && !CODES.has(result.error.code)) throw new Error(result.error.code);
        if (result.kind === 'line' && new TextEncoder().encode(result.text).length > 256) throw new Error('a line above the cap');
        if (result.kind === 'line') decodeRequest(result.text);
      }
      if (reader.bufferedBytes > 256) throw new Error(`reader holds ${reader.bufferedBytes} bytes`);
    }
  });
});
