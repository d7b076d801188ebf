// The floatip version that floatipd and floatip report: from the nearest package.json named floatip above this file (src/ or dist/src/).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function floatipVersion(from: string = __dirname): string {
  for (let dir = from; dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    try {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
      if (parsed.name === 'floatip' && typeof parsed.version === 'string') return parsed.version;
    } catch {
      // Not ours or unreadable: keep looking upwards.
    }
  }
  return 'unknown';
}
