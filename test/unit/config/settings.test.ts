import { ip } from '../../../src/core/ip';
import { formatIssue } from '../../../src/config/issues';
import { defaultSettings, readSettings } from '../../../src/config/settings';
import { checkRules } from '../../../src/config/cross-checks';

const read = (text: string) => readSettings(text, 'floatip.toml');
const problems = (text: string) => {
  const reading = read(text);
  return [...reading.issues, ...checkRules(reading, 'floatip.toml')];
};
const texts = (text: string) => problems(text).map(formatIssue);

describe('readSettings: defaults and values', () => {
  it('gives every default for an empty file', () => {
    const reading = read('');
    expect(reading.issues).toEqual([]);
    expect(reading.settings).toEqual(defaultSettings());
    expect(reading.settings.node.port).toBe(4390);
    expect(reading.settings.timing).toMatchObject({ profile: 'default', heartbeat_interval: 200, dead_after: 1000, fence_after: 700 });
    expect(reading.settings.node.pnn).toBeUndefined();
    expect(reading.settings.metrics).toEqual({ enabled: false, listen: { address: ip('127.0.0.1'), port: 9390 } });
    expect(reading.settings.events.monitor_schedule).toEqual({ kind: 'interval', every: 5000 });
  });

  it('refreshes every hosted address\'s ARP/NA each minute unless told otherwise (switch MAC tables age out at 300 s)', () => {
    expect(read('').settings.garp.refresh_interval).toBe(60_000);
    expect(read('[garp]\nrefresh_interval = "0s"\n').settings.garp.refresh_interval).toBe(0);
  });

  it('takes the failure-detection defaults from the fast profile', () => {
    const reading = read('[timing]\nprofile = "fast"\n');
    expect(reading.issues).toEqual([]);
    expect(reading.settings.timing).toMatchObject({ profile: 'fast', heartbeat_interval: 50, dead_after: 250, fence_after: 175 });
  });

  it('takes the failure-detection defaults from the ultra profile, and they pass the rules between them', () => {
    const reading = read('[timing]\nprofile = "ultra"\n');
    expect(reading.issues).toEqual([]);
    expect(reading.settings.timing).toMatchObject({ profile: 'ultra', heartbeat_interval: 15, dead_after: 80, fence_after: 45 });
    expect(checkRules(reading, 'floatip.toml')).toEqual([]);
  });

  it('lets each value of a profile be overridden', () => {
    const reading = read('[timing]\nprofile = "fast"\ndead_after = "400ms"\n');
    expect(reading.settings.timing).toMatchObject({ heartbeat_interval: 50, dead_after: 400, fence_after: 175 });
    expect(checkRules(reading, 'floatip.toml')).toEqual([]);
  });

  it('reads every kind of value', () => {
    const reading = read(`
[node]
pnn = 2
address = "192.0.2.13"
bind_address = "2001:db8::13"
port = 4391
[cluster]
cluster_lock = "etcd:http://192.0.2.10:2379/floatip/lock"
quorum = "lock"
[ipalloc]
algorithm = "deterministic"
no_ip_failback = true
home_nodes_file = "home_nodes"
[events]
monitor_schedule = "*/10 * * * * *"
[events.timeouts]
monitor = "10s"
[metrics]
enabled = true
listen = "[::1]:9391"
[log]
level = "debug"
`);
    expect(reading.issues).toEqual([]);
    const s = reading.settings;
    expect(s.node).toEqual({ pnn: 2, address: ip('192.0.2.13'), bind_address: ip('2001:db8::13'), port: 4391 });
    expect(s.cluster.cluster_lock).toEqual({ kind: 'etcd', endpoint: 'http://192.0.2.10:2379', key: 'floatip/lock' });
    expect(s.cluster.quorum).toBe('lock');
    expect(s.ipalloc).toEqual({ algorithm: 'deterministic', no_ip_failback: true, no_ip_takeover: false, home_nodes_file: 'home_nodes' });
    expect(s.events.monitor_schedule).toEqual({ kind: 'cron', expression: '*/10 * * * * *' });
    expect(s.events.timeouts.monitor).toBe(10_000);
    expect(s.events.timeouts.takeip).toBe(2000);
    expect(s.events.timeouts.shutdown).toBeUndefined();
    expect(s.metrics).toEqual({ enabled: true, listen: { address: ip('::1'), port: 9391 } });
    expect(s.log.level).toBe('debug');
    expect([...reading.explicit].sort()).toContain('events.timeouts.monitor');
  });

  it('accepts dotted keys and inline tables', () => {
    const reading = read('timing.dead_after = "2s"\nnode = { port = 4391 }\n');
    expect(reading.issues).toEqual([]);
    expect(reading.settings.timing.dead_after).toBe(2000);
    expect(reading.settings.node.port).toBe(4391);
  });

  it('reads CRLF files', () => {
    expect(texts('[node]\r\nport = 70000\r\n')).toEqual(['floatip.toml:2: node.port: 70000 is out of range: use 1..65535']);
  });
});

describe('readSettings: errors name file, line and key', () => {
  it('reports TOML syntax errors with line and column', () => {
    const issues = problems('[node]\nport = 4390\n\n[timing\n');
    expect(issues).toEqual([{
      code: 'E_CONFIG_SYNTAX', file: 'floatip.toml', line: 4,
      message: expect.stringMatching(/^TOML syntax error at column \d+: .+; fix this line/),
    }]);
  });

  it('reports a value without a key', () => {
    expect(problems('[node]\nport =\n')).toEqual([expect.objectContaining({ code: 'E_CONFIG_SYNTAX', line: 2 })]);
  });

  it('reports a key given twice', () => {
    expect(problems('[node]\nport = 1\nport = 2\n')).toEqual([expect.objectContaining({ code: 'E_CONFIG_SYNTAX', line: 3 })]);
  });

  it.each([
    ['[timing]\nheartbeat_intervall = "100ms"\n',
      'floatip.toml:2: timing.heartbeat_intervall: unknown key: [timing] has no option "heartbeat_intervall"; did you mean timing.heartbeat_interval?'],
    ['[timings]\nprofile = "fast"\n',
      'floatip.toml:1: timings: unknown key: floatip.toml has no table or option "timings"; did you mean timing?'],
    ['[node]\nheartbeat_interval = "100ms"\n',
      'floatip.toml:2: node.heartbeat_interval: unknown key: [node] has no option "heartbeat_interval"; did you mean timing.heartbeat_interval? Move it to that table'],
    ['port = 4390\n',
      'floatip.toml:1: port: unknown key: floatip.toml has no table or option "port"; did you mean node.port? Move it to that table'],
    ['[garp]\nenabled = true\n',
      'floatip.toml:2: garp.enabled: unknown key: [garp] has no option "enabled"; did you mean ban.enabled or metrics.enabled? Move it to that table'],
    ['[node]\ncolour = "blue"\n',
      'floatip.toml:2: node.colour: unknown key: [node] has no option "colour"; see docs/configuration.md for the options'],
    ['[events.timeouts]\nmonitr = "10s"\n',
      'floatip.toml:2: events.timeouts.monitr: unknown key: [events.timeouts] has no option "monitr"; did you mean events.timeouts.monitor?'],
    ['[node]\n__proto__ = 1\n',
      'floatip.toml:2: node.__proto__: unknown key: [node] has no option "__proto__"; see docs/configuration.md for the options'],
  ])('unknown key: %j', (text, message) => {
    expect(texts(text)).toEqual([message]);
    expect(problems(text)[0].code).toBe('E_CONFIG_UNKNOWN_KEY');
  });

  it.each([
    ['[node]\nport = "4390"\n', 'E_CONFIG_TYPE', 'floatip.toml:2: node.port: expected an integer 1..65535, got the string "4390"'],
    ['[node]\nport = 4390.5\n', 'E_CONFIG_TYPE', 'floatip.toml:2: node.port: expected an integer 1..65535, got the number 4390.5'],
    ['[ipalloc]\nno_ip_failback = "yes"\n', 'E_CONFIG_TYPE', 'floatip.toml:2: ipalloc.no_ip_failback: expected true or false, got the string "yes"'],
    ['[timing]\ndead_after = 1000\n', 'E_CONFIG_TYPE',
      'floatip.toml:2: timing.dead_after: expected a duration string like "200ms", got the integer 1000 (durations need a unit: write "1000ms" or "1000s")'],
    ['[cluster]\nkey_file = ["a"]\n', 'E_CONFIG_TYPE', 'floatip.toml:2: cluster.key_file: expected a path string, got an array'],
    ['[node]\naddress = 1979-05-27\n', 'E_CONFIG_TYPE', 'floatip.toml:2: node.address: expected an IP address string, got a date'],
    ['node = 5\n', 'E_CONFIG_TYPE', 'floatip.toml:1: node: expected a table [node], got the integer 5'],
    ['[events]\ntimeouts = "10s"\n', 'E_CONFIG_TYPE', 'floatip.toml:2: events.timeouts: expected a table [events.timeouts], got the string "10s"'],
    ['[metrics]\nlisten = 9390\n', 'E_CONFIG_TYPE', 'floatip.toml:2: metrics.listen: expected a string (HOST:PORT), got the integer 9390'],
  ])('wrong type: %j', (text, code, message) => {
    expect(problems(text)).toEqual([expect.objectContaining({ code })]);
    expect(texts(text)).toEqual([message]);
  });

  it.each([
    ['[node]\nport = 0\n', 'floatip.toml:2: node.port: 0 is out of range: use 1..65535'],
    ['[garp]\ncount = 0\n', 'floatip.toml:2: garp.count: 0 is out of range: use 1..100'],
    ['[timing]\nheartbeat_interval = "5ms"\n', 'floatip.toml:2: timing.heartbeat_interval: "5ms" is out of range: use 10ms..10s'],
    ['[timing]\ndead_after = "2h"\n', 'floatip.toml:2: timing.dead_after: "2h" is out of range: use 20ms..1m'],
    ['[garp]\nsecond_burst_delay = "2h"\n', 'floatip.toml:2: garp.second_burst_delay: "2h" is out of range: use "0s" (no second burst) or 1ms..1h'],
    ['[events.timeouts]\ntakeip = "50ms"\n', 'floatip.toml:2: events.timeouts.takeip: "50ms" is out of range: use 100ms..1h'],
  ])('out of range: %j', (text, message) => {
    expect(problems(text)).toEqual([expect.objectContaining({ code: 'E_CONFIG_RANGE' })]);
    expect(texts(text)).toEqual([message]);
  });

  it.each([
    ['[timing]\nheartbeat_interval = "fast"\n',
      'floatip.toml:2: timing.heartbeat_interval: "fast" is not a duration: write a number with a unit, e.g. "200ms", "1s", "5m"'],
    ['[timing]\nheartbeat_interval = "0.5ms"\n', 'floatip.toml:2: timing.heartbeat_interval: "0.5ms" is not a whole number of milliseconds'],
    ['[ipalloc]\nalgorithm = "lcp3"\n',
      'floatip.toml:2: ipalloc.algorithm: "lcp3" is not allowed: use one of "lcp2" | "deterministic" | "nondeterministic"'],
    ['[timing]\nprofile = "turbo"\n', 'floatip.toml:2: timing.profile: "turbo" is not allowed: use one of "default" | "fast"'],
    ['[node]\naddress = "192.0.2.300"\n', 'floatip.toml:2: node.address: 192.0.2.300 is not an IPv4 address'],
    ['[cluster]\ncluster_lock = "nfs:/x"\n', 'floatip.toml:2: cluster.cluster_lock: "nfs:/x" is not a cluster lock: use "fcntl:/path"'],
    ['[cluster]\nnodes_file = ""\n', 'floatip.toml:2: cluster.nodes_file: "" is not a usable path: give one non-empty line'],
    ['[events]\nmonitor_schedule = "7s"\n', 'floatip.toml:2: events.monitor_schedule: "7s" (7s) cannot run at an even pace'],
  ])('bad value: %j', (text, message) => {
    expect(problems(text)).toEqual([expect.objectContaining({ code: 'E_CONFIG_VALUE' })]);
    expect(texts(text)[0]).toContain(message);
  });

  it('reports every problem of the file at once, in file order', () => {
    const text = [
      '[node]',                     // 1
      'port = "x"',                 // 2
      'prot = 1',                   // 3
      '[timing]',                   // 4
      'dead_after = "1 s"',         // 5
      '[garp]',                     // 6
      'count = 1000',               // 7
    ].join('\n');
    expect(problems(text).map((i) => [i.line, i.key, i.code])).toEqual([
      [2, 'node.port', 'E_CONFIG_TYPE'],
      [3, 'node.prot', 'E_CONFIG_UNKNOWN_KEY'],
      [5, 'timing.dead_after', 'E_CONFIG_VALUE'],
      [7, 'garp.count', 'E_CONFIG_RANGE'],
    ]);
  });
});

describe('rules between options', () => {
  it.each([
    ['[timing]\nfence_after = "1s"\n', 'timing.fence_after', 2,
      'timing.fence_after (1s) must be shorter than timing.dead_after (1s), so a node that lost quorum has released its addresses'],
    ['[timing]\ndead_after = "500ms"\n', 'timing.dead_after', 2,
      'timing.fence_after (700ms) must be shorter than timing.dead_after (500ms)'],
    ['[timing]\nprofile = "fast"\nfence_after = "300ms"\n', 'timing.fence_after', 3,
      'timing.fence_after (300ms) must be shorter than timing.dead_after (250ms)'],
    ['[timing]\nheartbeat_interval = "700ms"\n', 'timing.heartbeat_interval', 2,
      'timing.heartbeat_interval (700ms) must be shorter than timing.fence_after (700ms)'],
    ['[timing]\ntakeover_deadline = "1s"\n[events.timeouts]\ntakeip = "400ms"\nreleaseip = "400ms"\n', 'timing.takeover_deadline', 2,
      'timing.takeover_deadline (1s) must be longer than timing.dead_after (1s)'],
    ['[events.timeouts]\ntakeip = "3s"\n', 'events.timeouts.takeip', 2,
      'events.timeouts.takeip (3s) + events.timeouts.releaseip (2s) must be shorter than timing.takeover_deadline (5s)'],
    ['[ipalloc]\nhome_nodes_file = "/etc/floatip/home_nodes"\n', 'ipalloc.home_nodes_file', 2,
      'ipalloc.home_nodes_file is used only with algorithm = "deterministic" (algorithm is "lcp2")'],
    ['[cluster]\nquorum = "lock"\n', 'cluster.quorum', 2,
      'quorum = "lock" needs cluster.cluster_lock'],
    ['[garp]\nrefresh_interval = "500ms"\n', 'garp.refresh_interval', 2,
      'garp.refresh_interval (500ms) is shorter than one burst (3 x 200ms)'],
  ])('%j', (text, key, line, message) => {
    const issues = problems(text);
    expect(issues).toEqual([expect.objectContaining({ code: 'E_CONFIG_CONFLICT', key, line, message: expect.stringContaining(message) })]);
  });

  it('blames the key the file sets, not the profile that gave the other value', () => {
    const issues = problems('[timing]\nprofile = "fast"\nheartbeat_interval = "200ms"\n');
    expect(issues).toEqual([expect.objectContaining({ key: 'timing.heartbeat_interval', line: 3 })]);
  });

  it('skips a rule when one of its values was refused already', () => {
    expect(problems('[timing]\nfence_after = "soon"\ndead_after = "100ms"\n').map((i) => i.code)).toEqual(['E_CONFIG_VALUE']);
  });

  it('accepts the shipped profiles as they are', () => {
    expect(problems('[timing]\nprofile = "fast"\n')).toEqual([]);
    expect(problems('[timing]\nprofile = "default"\n')).toEqual([]);
  });
});
