// The factory makes the backend the parsed `cluster_lock` value names, described as the user wrote it.

import { parseClusterLock, formatClusterLock } from '../../../../src/config/cluster-lock';
import { createClusterLock } from '../../../../src/adapters/lock/factory';
import { EtcdLock } from '../../../../src/adapters/lock/etcd-lock';
import { FcntlLock } from '../../../../src/adapters/lock/fcntl-lock';
import { HelperLock } from '../../../../src/adapters/lock/helper-lock';

function parsed(text: string) {
  const result = parseClusterLock(text);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

describe('createClusterLock', () => {
  it.each([
    ['fcntl:/clusterfs/.floatip/lock', FcntlLock, 'fcntl:/clusterfs/.floatip/lock'],
    ['/clusterfs/.ctdb/reclock', FcntlLock, 'fcntl:/clusterfs/.ctdb/reclock'],
    ['!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /clusterfs/lock 5', HelperLock, '!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper /clusterfs/lock 5'],
    ['etcd:http://192.0.2.10:2379/floatip/lock', EtcdLock, 'etcd:http://192.0.2.10:2379/floatip/lock'],
  ])('%s', async (text, kind, description) => {
    const setting = parsed(text);
    const lock = createClusterLock(setting, { etcd: { ttlSeconds: 3 } });
    expect(lock).toBeInstanceOf(kind);
    expect(lock.description).toBe(description);
    expect(lock.description).toBe(formatClusterLock(setting));
    expect(lock.state).toBe('free');
    await lock.close();
  });

  it('passes the helper its arguments one by one', () => {
    const lock = createClusterLock(parsed('!/bin/helper  a   b')) as HelperLock;
    expect([lock.command, lock.args]).toEqual(['/bin/helper', ['a', 'b']]);
  });

  it('passes backend options through (a bad etcd TTL is refused by the backend)', () => {
    expect(() => createClusterLock(parsed('etcd:http://192.0.2.10:2379/k'), { etcd: { ttlSeconds: 1 } })).toThrow(/at least 2/);
  });
});
