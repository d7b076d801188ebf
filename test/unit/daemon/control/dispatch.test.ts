// dispatchLine: every command reaches its DaemonApi method; bad requests and failing handlers become error replies.

import { DaemonApiError } from '../../../../src/daemon/control/api';
import { dispatchLine, DispatchContext } from '../../../../src/daemon/control/dispatch';
import { HANDLERS } from '../../../../src/daemon/control/handlers';
import { COMMAND_NAMES, DEFAULT_MAX_REPLY_BYTES } from '../../../../src/protocol/control';
import { FakeDaemonApi, HISTORY, IPS, STATUS } from './fake-api';
import { RecordingLogger } from './recording-logger';

function setup(maxReplyBytes = DEFAULT_MAX_REPLY_BYTES) {
  const api = new FakeDaemonApi();
  const logger = new RecordingLogger();
  const context: DispatchContext = { api, handlers: HANDLERS, logger, maxReplyBytes };
  const send = async (request: unknown): Promise<Record<string, unknown>> => {
    const line = typeof request === 'string' ? request : JSON.stringify(request);
    const reply = await dispatchLine(line, context);
    expect(reply.endsWith('\n')).toBe(true);
    expect(reply.indexOf('\n')).toBe(reply.length - 1);
    return JSON.parse(reply) as Record<string, unknown>;
  };
  return { api, logger, send };
}

/** One request per command and the api call it must become. */
const ROUTES: ReadonlyArray<[string, Record<string, unknown>, string, unknown[]]> = [
  ['status', {}, 'status', []],
  ['ip', {}, 'ips', [false, 'local']],
  ['ip', { verbose: true }, 'ips', [true, 'local']],
  ['ip', { all: true }, 'ips', [false, 'all']],
  ['ip', { pnn: 2 }, 'ips', [false, 2]],
  ['ifaces', { pnn: 1 }, 'ifaces', [1]],
  ['ifaces', {}, 'ifaces', []],
  ['disable', {}, 'admin', ['disable', undefined, undefined]],
  ['enable', { pnn: 2 }, 'admin', ['enable', 2, undefined]],
  ['stop', {}, 'admin', ['stop', undefined, undefined]],
  ['continue', { pnn: 1 }, 'admin', ['continue', 1, undefined]],
  ['ban', { seconds: 30, pnn: 1 }, 'admin', ['ban', 1, 30]],
  ['unban', { pnn: 1 }, 'admin', ['unban', 1, undefined]],
  ['moveip', { ip: '203.0.113.10', pnn: 1 }, 'moveIp', ['203.0.113.10', 1]],
  ['addip', { prefix: '2001:db8::20/64', ifaces: ['veth0', 'veth1'] }, 'addIp', ['2001:db8::20/64', ['veth0', 'veth1']]],
  ['delip', { ip: '203.0.113.11' }, 'delIp', ['203.0.113.11']],
  ['reloadips', {}, 'reloadIps', []],
  ['reloadnodes', {}, 'reloadNodes', []],
  ['ipreallocate', {}, 'ipReallocate', []],
  ['ipreallocate', { rebalance: [2, 0] }, 'ipReallocate', [[2, 0]]],
  ['gratarp', { ip: '203.0.113.10', iface: 'veth0' }, 'gratArp', ['203.0.113.10', 'veth0']],
  ['gettickles', { ip: '203.0.113.10' }, 'getTickles', ['203.0.113.10']],
  ['event-status', {}, 'eventStatus', [undefined]],
  ['event-status', { event: 'monitor' }, 'eventStatus', ['monitor']],
  ['event-run', { event: 'takeip', args: ['veth0', '203.0.113.10', '24'], timeoutMs: 5000 }, 'eventRun', ['takeip', ['veth0', '203.0.113.10', '24'], 5000]],
  ['event-script', { action: 'list' }, 'eventScript', ['list', undefined]],
  ['event-script', { action: 'disable', name: '50.samba' }, 'eventScript', ['disable', '50.samba']],
  ['leader', {}, 'leader', []],
  ['listnodes', {}, 'listNodes', []],
  ['ping', {}, 'ping', []],
  ['uptime', {}, 'uptime', []],
  ['history', {}, 'history', [undefined]],
  ['history', { limit: 1 }, 'history', [1]],
  ['ctdb-tool', { argv: ['-X', 'ip'] }, 'ctdbTool', [['-X', 'ip'], '']],
  ['ctdb-tool', { argv: ['tickle'], stdin: 'a b\n' }, 'ctdbTool', [['tickle'], 'a b\n']],
];


describe('dispatchLine', () => {
  it('routes every command of the protocol table', () => {
    const routed = new Set(ROUTES.map(([command]) => command));
    expect([...COMMAND_NAMES].filter((name) => !routed.has(name))).toEqual([]);
  });

  it.each(ROUTES)('%s %j calls api.%s(%j)', async (command, args, method, expected) => {
    const { api, send } = setup();
    const reply = await send({ id: 9, command, args });
    expect(reply.ok).toBe(true);
    expect(reply.id).toBe(9);
    expect(api.calls).toEqual([{ method, args: expected }]);
  });

  it('passes results through unchanged', async () => {
    const { send } = setup();
    expect((await send({ id: 1, command: 'status' })).result).toEqual(STATUS);
    expect((await send({ id: 2, command: 'ip', args: { verbose: true } })).result).toEqual(IPS);
    expect((await send({ id: 3, command: 'history', args: { limit: 1 } })).result).toEqual(HISTORY.slice(0, 1));
  });

  it.each([
    ['not JSON', '{"id": 1, "command": ', null, 'E_CONTROL_BAD_JSON', undefined],
    ['an array', '[1,2]', null, 'E_CONTROL_BAD_FIELD', ''],
    ['unknown command', '{"id": 4, "command": "frobnicate"}', 4, 'E_CONTROL_UNKNOWN_COMMAND', 'command'],
    ['bad pnn', '{"id": 5, "command": "ban", "args": {"seconds": 10, "pnn": -3}}', 5, 'E_CONTROL_BAD_FIELD', 'args.pnn'],
    ['missing seconds', '{"id": 6, "command": "ban", "args": {}}', 6, 'E_CONTROL_BAD_FIELD', 'args.seconds'],
    ['bad address', '{"id": 7, "command": "delip", "args": {"ip": "203.0.113.300"}}', 7, 'E_CONTROL_BAD_FIELD', 'args.ip'],
    ['unknown arg', '{"id": 8, "command": "status", "args": {"all": true}}', 8, 'E_CONTROL_BAD_FIELD', 'args.all'],
  ])('refuses %s with an error reply naming the field', async (_what, line, id, code, field) => {
    const { api, logger, send } = setup();
    const reply = await send(line);
    expect(reply).toMatchObject({ id, ok: false, error: { code } });
    expect((reply.error as { field?: string }).field).toBe(field || undefined);
    expect((reply.error as { message: string }).message.length).toBeGreaterThan(10);
    expect(api.calls).toEqual([]);
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'info', message: 'control request refused', fields: expect.objectContaining({ code }) })]);
  });

  it('turns a DaemonApiError into an error reply with its code and message', async () => {
    const { api, send } = setup();
    api.failWith('admin', new DaemonApiError('E_NOT_QUORATE', 'this node has no quorum: bring more nodes up first'));
    expect(await send({ id: 3, command: 'disable' })).toEqual({
      id: 3, ok: false, error: { code: 'E_NOT_QUORATE', message: 'this node has no quorum: bring more nodes up first' },
    });
    // An async method refusing on its own (not via failWith) counts the same.
    expect(await send({ id: 4, command: 'moveip', args: { ip: '203.0.113.10', pnn: 7 } }))
      .toMatchObject({ id: 4, ok: false, error: { code: 'E_NO_SUCH_NODE' } });
  });

  it('turns any other exception into E_INTERNAL and logs it with the stack', async () => {
    const { api, logger, send } = setup();
    api.failWith('status', new TypeError('cannot read properties of undefined'));
    const reply = await send({ id: 1, command: 'status' });
    expect(reply).toMatchObject({ id: 1, ok: false, error: { code: 'E_INTERNAL' } });
    expect((reply.error as { message: string }).message).toContain('cannot read properties of undefined');
    const logged = logger.lines.find((l) => l.level === 'error');
    expect(logged?.fields).toMatchObject({ command: 'status', err: 'cannot read properties of undefined' });
    expect(String(logged?.fields.stack)).toContain('TypeError');
  });

  it('answers E_INTERNAL for a result JSON cannot carry, instead of throwing', async () => {
    const { api, send } = setup();
    api.uptime = () => ({ startedAt: 10n } as never);
    expect(await send({ id: 2, command: 'uptime' })).toMatchObject({ id: 2, ok: false, error: { code: 'E_INTERNAL' } });
  });

  it('refuses a reply larger than the cap', async () => {
    const { send } = setup(200);
    const reply = await send({ id: 1, command: 'status' });
    expect(reply).toMatchObject({ id: 1, ok: false, error: { code: 'E_CONTROL_REPLY_TOO_LARGE' } });
    expect((await send({ id: 2, command: 'ping' })).ok).toBe(true);
  });

  it('answers null for a handler that returns nothing', async () => {
    const { api, send } = setup();
    api.leader = () => undefined as never;
    expect(await send({ id: 1, command: 'leader' })).toEqual({ id: 1, ok: true, result: null });
  });
});
