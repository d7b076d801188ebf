// floatipd's command line: the config path's sources in order, help, version, and refusals that say what to write.

import { DEFAULT_CONFIG_PATH } from '../../../../src/config/daemon-usage';
import { parseDaemonArgs } from '../../../../src/daemon/wiring/daemon-args';

describe('parseDaemonArgs', () => {
  test.each([
    [[], {}, DEFAULT_CONFIG_PATH],
    [[], { FLOATIP_CONFIG: '/srv/floatip.toml' }, '/srv/floatip.toml'],
    [[], { FLOATIP_CONFIG: '' }, DEFAULT_CONFIG_PATH],
    [['--config', '/a/floatip.toml'], { FLOATIP_CONFIG: '/srv/floatip.toml' }, '/a/floatip.toml'],
    [['--config=/b/floatip.toml'], {}, '/b/floatip.toml'],
  ])('%j with env %j reads %s', (args, env, path) => {
    expect(parseDaemonArgs(args, env)).toEqual({ kind: 'run', configPath: path });
  });

  test('--help and --version win over everything else', () => {
    expect(parseDaemonArgs(['--config', 'x', '--help'], {})).toEqual({ kind: 'help' });
    expect(parseDaemonArgs(['--version'], {})).toEqual({ kind: 'version' });
  });

  test.each([
    [['--config'], /--config needs a path/],
    [['--config='], /--config needs a path/],
    [['--config', 'a', '--config', 'b'], /given twice/],
    [['--verbose'], /unknown argument '--verbose'.*--config PATH/],
    [['floatip.toml'], /unknown argument 'floatip.toml'/],
  ])('%j is refused', (args, message) => {
    expect(() => parseDaemonArgs(args, {})).toThrow(expect.objectContaining({ code: 'E_DAEMON_ARGS', message: expect.stringMatching(message) }));
  });
});

describe('parseDaemonArgs --check-config', () => {
  test('checks the file a run would read', () => {
    expect(parseDaemonArgs(['--check-config'], { FLOATIP_CONFIG: '/srv/floatip.toml' })).toEqual({ kind: 'check-config', configPath: '/srv/floatip.toml' });
    expect(parseDaemonArgs(['--config', '/a.toml', '--check-config'], {})).toEqual({ kind: 'check-config', configPath: '/a.toml' });
  });
});
