import { ip } from '../../../src/core/ip';
import { formatClusterLock, parseClusterLock } from '../../../src/config/cluster-lock';
import { formatListenAddress, parseListenAddress } from '../../../src/config/listen-address';
import { formatMonitorSchedule, parseMonitorSchedule } from '../../../src/config/monitor-schedule';

describe('parseClusterLock', () => {
  it.each([
    ['fcntl:/clusterfs/.floatip/lock', { kind: 'fcntl', path: '/clusterfs/.floatip/lock' }, 'fcntl:/clusterfs/.floatip/lock'],
    ['/clusterfs/.ctdb/reclock', { kind: 'fcntl', path: '/clusterfs/.ctdb/reclock' }, 'fcntl:/clusterfs/.ctdb/reclock'],
    ['!/usr/libexec/ctdb/ctdb_mutex_ceph_rados_helper ceph client.admin pool lock',
      { kind: 'helper', command: '/usr/libexec/ctdb/ctdb_mutex_ceph_rados_helper', args: ['ceph', 'client.admin', 'pool', 'lock'] },
      '!/usr/libexec/ctdb/ctdb_mutex_ceph_rados_helper ceph client.admin pool lock'],
    ['! /bin/helper', { kind: 'helper', command: '/bin/helper', args: [] }, '!/bin/helper'],
    ['etcd:http://192.0.2.10:2379/floatip/lock', { kind: 'etcd', endpoint: 'http://192.0.2.10:2379', key: 'floatip/lock' },
      'etcd:http://192.0.2.10:2379/floatip/lock'],
    ['etcd:https://[2001:db8::10]:2379/lock', { kind: 'etcd', endpoint: 'https://[2001:db8::10]:2379', key: 'lock' },
      'etcd:https://[2001:db8::10]:2379/lock'],
  ])('%s', (text, lock, formatted) => {
    const parsed = parseClusterLock(text);
    expect(parsed).toEqual({ ok: true, value: lock });
    if (parsed.ok) expect(formatClusterLock(parsed.value)).toBe(formatted);
  });

  it.each([
    ['clusterfs/lock', 'is not a cluster lock: use "fcntl:/path"'],
    ['fcntl:relative/lock', 'the lock file must be an absolute path'],
    ['fcntl:/path with space', 'the lock file must be an absolute path without spaces'],
    ['!helper args', 'the helper must be an absolute path'],
    ['!', 'the helper must be an absolute path'],
    ['etcd:not a url', 'is not a URL'],
    ['etcd:ftp://192.0.2.10/lock', 'must start with http:// or https://'],
    ['etcd:http://192.0.2.10:2379', 'name the lock key after the host'],
    ['etcd:http://user:pw@192.0.2.10:2379/k', 'takes no user, password, query or fragment'],
    ['', 'is not a cluster lock'],
  ])('refuses %j', (text, message) => {
    const parsed = parseClusterLock(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
});

describe('parseListenAddress', () => {
  it.each([
    ['127.0.0.1:9390', '127.0.0.1', 9390, '127.0.0.1:9390'],
    ['[::1]:9390', '::1', 9390, '[::1]:9390'],
    ['[2001:DB8::1]:80', '2001:db8::1', 80, '[2001:db8::1]:80'],
  ])('%s', (text, host, port, formatted) => {
    const parsed = parseListenAddress(text);
    expect(parsed).toEqual({ ok: true, value: { address: ip(host), port } });
    if (parsed.ok) expect(formatListenAddress(parsed.value)).toBe(formatted);
  });

  it.each([
    ['127.0.0.1', 'is not HOST:PORT'],
    ['::1:9390', 'is not HOST:PORT'],
    ['localhost:9390', 'use an IP address, not a host name'],
    ['[127.0.0.1]:9390', 'brackets are for IPv6'],
    ['127.0.0.1:0', 'port 0 is out of range'],
    ['127.0.0.1:70000', 'port 70000 is out of range'],
  ])('refuses %j', (text, message) => {
    const parsed = parseListenAddress(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
});

describe('parseMonitorSchedule', () => {
  it.each([
    ['5s', { kind: 'interval', every: 5000 }, '5s'],
    ['1s', { kind: 'interval', every: 1000 }, '1s'],
    ['30s', { kind: 'interval', every: 30_000 }, '30s'],
    ['2m', { kind: 'interval', every: 120_000 }, '2m'],
    ['1h', { kind: 'interval', every: 3_600_000 }, '1h'],
    ['*/10 * * * * *', { kind: 'cron', expression: '*/10 * * * * *' }, '*/10 * * * * *'],
    [' */5 * * * * ', { kind: 'cron', expression: '*/5 * * * *' }, '*/5 * * * *'],
  ])('%j', (text, schedule, formatted) => {
    const parsed = parseMonitorSchedule(text);
    expect(parsed).toEqual({ ok: true, value: schedule });
    if (parsed.ok) expect(formatMonitorSchedule(parsed.value)).toBe(formatted);
  });

  it.each([
    ['7s', 'cannot run at an even pace'],
    ['500ms', 'cannot run at an even pace'],
    ['7m', 'cannot run at an even pace'],
    ['5', 'is not a duration'],
    ['61 * * * *', 'is not a valid cron expression: 61 is a invalid expression for minute'],
    ['* * *', 'is not a valid cron expression: expected 5 or 6 fields but got 3'],
    // node-cron expands such a step into an array so large that V8 aborts the process (found by the config fuzz).
    ['*999999999999999999990 * * * * *', 'is not a valid cron expression: 999999999999999999990 is out of range of every field (0..59)'],
  ])('refuses %j', (text, message) => {
    const parsed = parseMonitorSchedule(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
});
