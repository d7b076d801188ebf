// Aligned text columns for human output: the CLI's and `floatip lab status`.

export type Align = 'left' | 'right';

/**
 * Pads every column to its widest cell and joins cells with `gap`. Trailing
 * spaces are cut, so an empty last column leaves no whitespace behind.
 */
export function formatTable(rows: readonly (readonly string[])[], align: readonly Align[] = [], gap = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows.map((row) => row
    .map((cell, i) => (align[i] === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
    .join(gap)
    .trimEnd());
}

/** Milliseconds with one decimal, the precision takeover timings are worth. */
export function millis(ms: number): string {
  return ms.toFixed(1);
}
