// CTDB's own 53 takeover test cases: floatip must print exactly CTDB's expected layout for each.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { allocate } from '../../../../src/core/ipalloc';
import { parseTakeoverCase } from '../../../../src/core/ipalloc/case-file';
import { formatAssignment } from '../../../../src/core/ipalloc/layout-text';

const CASES_DIR = path.resolve(__dirname, '../../../../../shared/ctdb-takeover-cases');
const caseFiles = readdirSync(CASES_DIR).filter((name) => name.endsWith('.txt')).sort();

describe('CTDB takeover cases', () => {
  it('finds all 53 of CTDB\'s cases', () => {
    expect(caseFiles).toHaveLength(53);
  });

  it.each(caseFiles)('%s gives CTDB\'s layout', (name) => {
    const parsed = parseTakeoverCase(readFileSync(path.join(CASES_DIR, name), 'utf8'), name);
    if (!parsed.ok) throw new Error(parsed.error);
    const { state, expected } = parsed.value;
    expect(expected.length).toBeGreaterThan(0);
    expect(formatAssignment(allocate(state).assignment)).toEqual(expected);
  });
});
