import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationMarkdown, defaultsToml } from '../../../src/config/docs';
import { listOptions } from '../../../src/config/schema';
import { defaultSettings, readSettings } from '../../../src/config/settings';

describe('docs/configuration.md', () => {
  it('is what the schema generates (run `npm run docs:config` after changing src/config/schema.ts)', () => {
    const onDisk = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'configuration.md'), 'utf8');
    expect(onDisk).toBe(configurationMarkdown());
  });

  it('documents every option with its default', () => {
    const markdown = configurationMarkdown();
    for (const [dotted, spec] of listOptions()) {
      const key = dotted.split('.').slice(1).join('.');
      expect(spec.doc.length).toBeGreaterThan(20);
      expect(markdown).toContain(`| \`${key}\` |`);
    }
  });
});

describe('the all-defaults floatip.toml in the docs', () => {
  it('is valid and reads back as exactly the defaults', () => {
    const reading = readSettings(defaultsToml(), 'defaults.toml');
    expect(reading.issues).toEqual([]);
    expect(reading.settings).toEqual(defaultSettings());
  });

  it('sets every option that has a default and mentions every other', () => {
    const text = defaultsToml();
    for (const [dotted, spec] of listOptions()) {
      const key = dotted.split('.').pop();
      const line = spec.default.kind === 'unset' ? `# ${key} = (unset` : `${key} = `;
      expect(text).toContain(line);
    }
  });
});
