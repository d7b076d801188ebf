// The pino logger: JSON lines, levels, component children, and secrets that never reach the output.

import { Writable } from 'node:stream';
import { createLogger, LoggingInit } from '../../../src/daemon/logging';

function capture(init: Omit<LoggingInit, 'destination'> = {}) {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: createLogger({ ...init, destination }), lines, raw };
}

describe('createLogger', () => {
  it('writes one JSON object per line with an ISO time, a level name and the message', () => {
    const { logger, lines } = capture({ base: { pnn: 2 } });
    logger.info({ epoch: 7, moves: 3 }, 'takeover run done');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', pnn: 2, epoch: 7, moves: 3, msg: 'takeover run done' });
    expect(String(lines[0].time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it.each([
    ['error', ['error']],
    ['warn', ['warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['debug', ['debug', 'info', 'warn', 'error']],
  ] as const)('level %s writes %j', (level, written) => {
    const { logger, lines } = capture({ level });
    logger.debug({}, 'd');
    logger.info({}, 'i');
    logger.warn({}, 'w');
    logger.error({}, 'e');
    expect(lines.map((l) => l.level)).toEqual(written);
  });

  it('child loggers carry their component, and follow setLevel', () => {
    const { logger, lines } = capture({ level: 'info' });
    const mesh = logger.child({ component: 'mesh' });
    const peer = mesh.child({ peer: 1 });
    peer.info({ reason: 'closed' }, 'peer down');
    peer.debug({}, 'hidden');
    logger.setLevel('debug');
    peer.debug({}, 'shown');
    logger.setLevel('error');
    mesh.warn({}, 'hidden too');
    expect(lines.map((l) => [l.component, l.peer, l.msg])).toEqual([['mesh', 1, 'peer down'], ['mesh', 1, 'shown']]);
  });

  it('censors secret fields at the top level and one level down', () => {
    const { logger, raw } = capture();
    logger.info({ clusterKey: 'hunter2hunter2', auth: { token: 'abc123secret', user: 'x' }, password: 'pw-123456' }, 'loaded');
    expect(raw[0]).not.toMatch(/hunter2|abc123secret|pw-123456/);
    expect(JSON.parse(raw[0])).toMatchObject({ clusterKey: '[redacted]', auth: { token: '[redacted]', user: 'x' }, password: '[redacted]' });
  });

  it('replaces byte buffers (key material) by their length, also in bindings', () => {
    const { logger, raw } = capture();
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    logger.child({ session: { k: key } }).warn({ material: key, nested: { mac: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) } }, 'frame rejected');
    expect(raw[0]).not.toContain('0123456789abcdef');
    expect(JSON.parse(raw[0])).toMatchObject({
      material: '[32 bytes redacted]', nested: { mac: '[4 bytes redacted]' }, session: { k: '[32 bytes redacted]' },
    });
  });

  it('keeps ordinary fields such as a config key untouched', () => {
    const { logger, lines } = capture();
    logger.warn({ key: 'timing.dead_after', file: '/etc/floatip/floatip.toml' }, 'config warning');
    expect(lines[0]).toMatchObject({ key: 'timing.dead_after', file: '/etc/floatip/floatip.toml' });
  });

  it('writes the same schema on every line: level name, ISO time, pid, msg', () => {
    const { logger, lines } = capture({ base: { component: 'guardian' } });
    logger.warn({ cause: 'pipe-closed' }, 'floatipd died: removed its public addresses');
    expect(lines[0]).toMatchObject({ level: 'warn', pid: process.pid, component: 'guardian', cause: 'pipe-closed' });
    expect(String(lines[0].time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('never writes a key twice: a rebound child, a call field naming a binding, a field named like pino\'s own', () => {
    const { logger, raw, lines } = capture({ base: { pnn: 1 } });
    const daemon = logger.child({ component: 'daemon' });
    daemon.child({ component: 'guardian' }).info({}, 'rebound');
    daemon.info({ component: 'health' }, 'field over binding');
    daemon.info({ pnn: 2, level: 'x', msg: 'y' }, 'reserved');
    daemon.info({}, 'binding kept after the override');
    for (const line of raw) expect(topLevelKeys(line)).toEqual([...new Set(topLevelKeys(line))]);
    expect(lines.map((l) => [l.component, l.pnn, l.msg])).toEqual([
      ['guardian', 1, 'rebound'], ['health', 1, 'field over binding'], ['daemon', 2, 'reserved'], ['daemon', 1, 'binding kept after the override'],
    ]);
    expect(lines[2]).toMatchObject({ level: 'info', field_level: 'x', field_msg: 'y' });
  });

  it('a one-line override keeps the level set by setLevel', () => {
    const { logger, lines } = capture({ level: 'info' });
    const mesh = logger.child({ component: 'mesh' });
    logger.setLevel('warn');
    mesh.info({ component: 'other' }, 'hidden');
    mesh.warn({ component: 'other' }, 'shown');
    expect(lines.map((l) => l.msg)).toEqual(['shown']);
  });
});

/** The keys of a JSON object's top level in the order written, duplicates kept (JSON.parse would drop them). */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(text.slice(i + 1, j));
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      depth += 1;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') {
      depth -= 1;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}
