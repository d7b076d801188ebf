// Control requests and replies: every command round-trips, and every bad field is named in a typed error.

import fc from 'fast-check';
import { ip, parsePrefix } from '../../../src/core/ip';
import {
  COMMAND_ARGS, COMMAND_NAMES, CommandName, ControlError, ControlRequest, decodeReply, decodeRequest, encodeReply,
  encodeRequest, errorReply,
} from '../../../src/protocol/control';
import { requestArb } from './control-arbitraries';

const prefix = (text: string) => {
  const parsed = parsePrefix(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};

/** One valid example of every command, as the CLI would send it. */
const EXAMPLES: { readonly [C in CommandName]: Extract<ControlRequest, { command: C }>['args'] } = {
  status: {},
  ip: { verbose: true },
  ifaces: {},
  disable: {},
  enable: { pnn: 2 },
  stop: {},
  continue: {},
  ban: { seconds: 300, pnn: 1 },
  unban: {},
  moveip: { ip: ip('198.51.100.7'), pnn: 2 },
  addip: { prefix: prefix('2001:db8::10/64'), ifaces: ['eth1', 'eth2'] },
  delip: { ip: ip('203.0.113.5') },
  reloadips: {},
  reloadnodes: {},
  ipreallocate: {},
  gratarp: { ip: ip('192.0.2.44'), iface: 'eth0' },
  gettickles: { ip: ip('192.0.2.44') },
  'event-status': { event: 'monitor' },
  'event-run': { event: 'takeip', args: ['eth0', '192.0.2.44', '24'], timeoutMs: 5000 },
  'event-script': { action: 'enable', name: '50.samba' },
  leader: {},
  listnodes: {},
  ping: {},
  uptime: {},
  history: { limit: 20 },
  'ctdb-tool': { argv: ['-X', 'ip', 'all'], stdin: '192.0.2.9:51234 192.0.2.44:445\n' },
};

function rejected(line: string): { id: number | null; error: ControlError } {
  const decoded = decodeRequest(line);
  if (decoded.ok) throw new Error(`accepted ${line}`);
  return decoded;
}

const request = (command: string, args: unknown, id: unknown = 1): string => JSON.stringify({ id, command, args });

describe('control requests', () => {
  it('cover every command of the CLI, each with an example here', () => {
    expect([...COMMAND_NAMES].sort()).toEqual(Object.keys(EXAMPLES).sort());
  });

  it.each(COMMAND_NAMES)('%s round-trips through one JSON line', (command) => {
    const req = { id: 42, command, args: EXAMPLES[command] } as ControlRequest;
    const line = encodeRequest(req);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(decodeRequest(line.slice(0, -1))).toEqual({ ok: true, request: req });
  });

  it('round-trips any valid request', () => {
    fc.assert(fc.property(requestArb, (req) => {
      expect(decodeRequest(encodeRequest(req).trimEnd())).toEqual({ ok: true, request: req });
    }), { numRuns: 2000 });
  });

  it('writes addresses and prefixes as text', () => {
    expect(encodeRequest({ id: 1, command: 'addip', args: EXAMPLES.addip }))
      .toBe('{"id":1,"command":"addip","args":{"prefix":"2001:db8::10/64","ifaces":["eth1","eth2"]}}\n');
  });

  it('accepts a request without args when none are required', () => {
    expect(decodeRequest('{"id":3,"command":"status"}')).toEqual({ ok: true, request: { id: 3, command: 'status', args: {} } });
    expect(decodeRequest('{"id":3,"command":"disable"}')).toEqual({ ok: true, request: { id: 3, command: 'disable', args: {} } });
  });

  it.each<[string, string, string, RegExp, number | null]>([
    ['not JSON', '{"id":1,', 'E_CONTROL_BAD_JSON', /not JSON/, null],
    ['an array', '[1,2]', 'E_CONTROL_BAD_FIELD', /must be a JSON object/, null],
    ['no id', '{"command":"status"}', 'E_CONTROL_BAD_FIELD', /id must be a whole number/, null],
    ['a negative id', request('status', {}, -1), 'E_CONTROL_BAD_FIELD', /id must be/, null],
    ['an unknown top-level field', '{"id":4,"command":"status","argz":{}}', 'E_CONTROL_BAD_FIELD', /"argz" is not a request field/, 4],
    ['__proto__ as a field', '{"id":4,"command":"status","__proto__":{"x":1}}', 'E_CONTROL_BAD_FIELD', /"__proto__"/, 4],
    ['an unknown command', request('reboot', {}), 'E_CONTROL_UNKNOWN_COMMAND', /unknown command "reboot": use one of status, ip/, 1],
    ['a command inherited from Object', request('toString', {}), 'E_CONTROL_UNKNOWN_COMMAND', /unknown command/, 1],
    ['args that are a list', request('ban', [30]), 'E_CONTROL_BAD_FIELD', /args must be a JSON object/, 1],
  ])('refuses %s', (_name, line, code, message, id) => {
    const { error, id: replyId } = rejected(line);
    expect(error).toBeInstanceOf(ControlError);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(replyId).toBe(id);
  });

  it.each<[string, string, unknown, string, RegExp]>([
    ['ban without seconds', 'ban', {}, 'args.seconds', /ban needs args\.seconds: a number of seconds/],
    ['ban for 0 seconds', 'ban', { seconds: 0 }, 'args.seconds', /seconds, 1 or more/],
    ['ban for 1.5 seconds', 'ban', { seconds: 1.5 }, 'args.seconds', /seconds/],
    ['ban with seconds as text', 'ban', { seconds: '30' }, 'args.seconds', /seconds/],
    ['an argument the command does not take', 'status', { verbose: true }, 'args.verbose', /status takes no argument "verbose" \(it takes none\)/],
    ['a misspelt argument', 'moveip', { ip: '192.0.2.1', node: 1 }, 'args.node', /it takes ip, pnn/],
    ['a bad address', 'moveip', { ip: '192.0.2.300', pnn: 1 }, 'args.ip', /not an IPv4 address/],
    ['a node number below 0', 'moveip', { ip: '192.0.2.1', pnn: -1 }, 'args.pnn', /node number/],
    ['a prefix without bits', 'addip', { prefix: '192.0.2.1', ifaces: ['eth0'] }, 'args.prefix', /no prefix length/],
    ['a prefix of /0', 'addip', { prefix: '192.0.2.1/0', ifaces: ['eth0'] }, 'args.prefix', /prefix length of 1 or more/],
    ['no interfaces', 'addip', { prefix: '192.0.2.1/24', ifaces: [] }, 'args.ifaces', /list of 1\.\.16/],
    ['a bad interface in the list', 'addip', { prefix: '192.0.2.1/24', ifaces: ['eth0', 'eth/1'] }, 'args.ifaces', /\[1\] must be an interface name/],
    ['a repeated interface', 'addip', { prefix: '192.0.2.1/24', ifaces: ['eth0', 'eth0'] }, 'args.ifaces', /\[1\] repeats "eth0"/],
    ['an interface name too long', 'gratarp', { ip: '192.0.2.1', iface: 'a-very-long-name0' }, 'args.iface', /1\.\.15 characters/],
    ['an event name with a path', 'event-run', { event: '../x', args: [], timeoutMs: 10 }, 'args.event', /event name/],
    ['an event argument with NUL', 'event-run', { event: 'takeip', args: ['a\0b'], timeoutMs: 10 }, 'args.args', /\[0\] must be a string/],
    ['a zero timeout', 'event-run', { event: 'monitor', args: [], timeoutMs: 0 }, 'args.timeoutMs', /1\.\.3600000/],
    ['enable without a script name', 'event-script', { action: 'enable' }, 'args.name', /required to enable a script/],
    ['list with a script name', 'event-script', { action: 'list', name: '50.samba' }, 'args.name', /left out when listing/],
    ['a script backup name', 'event-script', { action: 'disable', name: '50.samba~' }, 'args.name', /NN\.name/],
    ['an unknown script action', 'event-script', { action: 'delete', name: '50.samba' }, 'args.action', /one of "list", "enable", "disable"/],
    ['verbose as a string', 'ip', { verbose: 'yes' }, 'args.verbose', /true or false/],
    ['a history limit of 0', 'history', { limit: 0 }, 'args.limit', /1\.\.100000/],
  ])('refuses %s, naming the field', (_name, command, args, field, message) => {
    const { error, id } = rejected(request(command, args, 9));
    expect(error.code).toBe('E_CONTROL_BAD_FIELD');
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(id).toBe(9);
  });

  it('will not encode a request the decoder would refuse', () => {
    expect(() => encodeRequest({ id: 1, command: 'ban', args: { seconds: 0 } })).toThrow(ControlError);
  });

  it('has one table entry per command, each naming what it expects', () => {
    for (const name of COMMAND_NAMES) {
      for (const spec of Object.values(COMMAND_ARGS[name]) as Array<{ kind: { expects: string } }>) expect(spec.kind.expects.length).toBeGreaterThan(3);
    }
  });
});

describe('control replies', () => {
  it('round-trip success and error replies', () => {
    const replies = [
      { id: 1, ok: true as const, result: { nodes: [{ pnn: 0, flags: 'OK' }], leader: 0 } },
      { id: 2, ok: true as const, result: null },
      errorReply(3, new ControlError('E_CONTROL_BAD_FIELD', 'args.seconds must be 1 or more', 'args.seconds')),
      errorReply(null, { code: 'E_CONTROL_BAD_JSON', message: 'not JSON' }),
    ];
    for (const reply of replies) {
      const line = encodeReply(reply);
      expect(line.endsWith('\n')).toBe(true);
      expect(decodeReply(line.trimEnd())).toEqual({ ok: true, reply });
    }
  });

  it.each<[string, string, string]>([
    ['not JSON', 'nope', 'E_CONTROL_BAD_JSON'],
    ['no ok', '{"id":1,"result":1}', 'E_CONTROL_BAD_FIELD'],
    ['a success without result', '{"id":1,"ok":true}', 'E_CONTROL_BAD_FIELD'],
    ['a success without id', '{"id":null,"ok":true,"result":1}', 'E_CONTROL_BAD_FIELD'],
    ['a failure without message', '{"id":1,"ok":false,"error":{"code":"E_X"}}', 'E_CONTROL_BAD_FIELD'],
    ['a failure with a numeric field', '{"id":1,"ok":false,"error":{"code":"E_X","message":"m","field":3}}', 'E_CONTROL_BAD_FIELD'],
  ])('refuses a reply that is %s', (_name, line, code) => {
    const decoded = decodeReply(line);
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.error.code).toBe(code);
  });
});
