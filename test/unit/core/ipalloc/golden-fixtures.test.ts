// Hand-worked golden layouts (test/unit/fixtures/ipalloc): node states and current layout in,
// expected layout out, with the reasoning written in each file's `# why:` comment.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { allocate } from '../../../../src/core/ipalloc';
import { parseTakeoverCase } from '../../../../src/core/ipalloc/case-file';
import { formatAssignment } from '../../../../src/core/ipalloc/layout-text';

const FIXTURES = path.resolve(__dirname, '../../fixtures/ipalloc');
const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.txt')).sort();

describe('golden allocation fixtures', () => {
  it('has at least 30 fixtures covering every algorithm', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    for (const prefix of ['lcp2-', 'det-', 'nondet-']) {
      expect(files.filter((f) => f.startsWith(prefix)).length).toBeGreaterThanOrEqual(5);
    }
  });

  it.each(files)('%s', (name) => {
    const text = readFileSync(path.join(FIXTURES, name), 'utf8');
    expect(text).toMatch(/^# why: /m);
    const parsed = parseTakeoverCase(text, name);
    if (!parsed.ok) throw new Error(parsed.error);
    const result = allocate(parsed.value.state);
    expect(formatAssignment(result.assignment)).toEqual(parsed.value.expected);
    const unhosted = parsed.value.expected.filter((l) => l.endsWith(' -1')).map((l) => l.split(' ')[0]);
    expect(result.unhosted).toEqual(unhosted);
  });
});
