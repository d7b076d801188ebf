import { TomlKeyLines } from '../../../src/config/toml-lines';

describe('TomlKeyLines', () => {
  const source = [
    '# comment',                         // 1
    'top = 1',                           // 2
    '',                                  // 3
    '[timing]',                          // 4
    'heartbeat_interval = "200ms"',      // 5
    '  dead_after="1s" # trailing',      // 6
    'text = """',                        // 7
    'fake_key = "inside a string"',      // 8
    '"""',                               // 9
    'after = 2',                         // 10
    '[ events . timeouts ]',             // 11
    'monitor = "10s"',                   // 12
    '["quoted.table"]',                  // 13
    '"a.b" = 1',                         // 14
    '[node]',                            // 15
    'inline = { x = 1, y = 2 }',         // 16
    'dotted.key = 3',                    // 17
  ].join('\n');
  const lines = new TomlKeyLines(source);

  it.each([
    [['top'], 2],
    [['timing'], 4],
    [['timing', 'heartbeat_interval'], 5],
    [['timing', 'dead_after'], 6],
    [['timing', 'after'], 10],
    [['events', 'timeouts'], 11],
    [['events', 'timeouts', 'monitor'], 12],
    [['quoted.table', 'a.b'], 14],
    [['node', 'inline'], 16],
    [['node', 'inline', 'x'], 16],
    [['node', 'dotted', 'key'], 17],
    [['node', 'dotted'], 17],
  ])('%j is on line %d', (path, line) => {
    expect(lines.lineOf(path)).toBe(line);
  });

  it('does not read keys inside multi-line strings', () => {
    expect(lines.lineOf(['timing', 'fake_key'])).toBe(4);
  });

  it('has no line for a key in no table it saw', () => {
    expect(lines.lineOf(['nowhere', 'at_all'])).toBeUndefined();
  });

  it('counts CRLF lines like LF lines', () => {
    expect(new TomlKeyLines('[a]\r\nb = 1\r\n').lineOf(['a', 'b'])).toBe(2);
  });
});
