// The bash completion offers exactly the CLI's verbs, and bash itself completes them.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCommands } from '../../../src/cli/commands';

const SCRIPT = join(__dirname, '../../../packaging/floatip.bash-completion');

function complete(words: string[]): string[] {
  const line = words.map((w) => `'${w}'`).join(' ');
  const result = spawnSync('bash', ['-c', `source '${SCRIPT}'; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _floatip; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter((w) => w !== '');
}

describe('bash completion', () => {
  const verbs = buildCommands({} as Parameters<typeof buildCommands>[0]).map((c) => c.name);

  test('the verb list is the command table', () => {
    const listed = /local verbs="([^"]*)"/.exec(readFileSync(SCRIPT, 'utf8'))?.[1].split(' ');
    expect(listed).toEqual(verbs);
  });

  test('bash completes a verb from its start, and the subverbs of event and lab', () => {
    expect(complete(['floatip', 're'])).toEqual(['reloadips', 'reloadnodes']);
    expect(complete(['floatip', ''])).toEqual(expect.arrayContaining(verbs));
    expect(complete(['floatip', 'event', 's'])).toEqual(['status', 'script']);
    expect(complete(['floatip', 'lab', 'd'])).toEqual(['down', 'demo']);
  });
});
