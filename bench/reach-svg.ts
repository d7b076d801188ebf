// Draws the benches' reach times as an SVG strip chart: one row per case and software, one dot per trial, on a log time axis.
//
// Pure (data in, text out), so it is tested without a lab and a bench run can write its
// picture next to its JSON. A log axis because the figures span three decades (floatip's
// 30 ms kill beside CTDB's 30 s link loss); each row also marks its median, and counts the
// trials that never reached the address (drawn at the right edge).

/** One row: the reach times of one software in one case (null: the trial never got there). */
export interface ReachRow {
  /** The case, e.g. `link / follower`: rows of one group are drawn together under it. */
  readonly group: string;
  /** The software, e.g. `floatip-default`; it picks the row's colour. */
  readonly series: string;
  readonly values: readonly (number | null)[];
}

export interface ReachChart {
  readonly title: string;
  readonly rows: readonly ReachRow[];
  /** A line under the title (the command, the date, the machine's load). */
  readonly subtitle?: string;
}

const WIDTH = 780;
const LEFT = 250;
const RIGHT = 60;
const ROW = 18;
const GROUP_GAP = 14;
const TOP = 58;
const BOTTOM = 40;
/** Colour-blind-safe palette (Okabe-Ito), one colour per series in order of first appearance. */
const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#d55e00', '#56b4e9', '#f0e442', '#000000'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** The decades the axis spans: from the power of ten at or below the least value to the one at or above the greatest. */
export function axisRange(values: readonly number[]): { readonly low: number; readonly high: number } {
  const positive = values.filter((v) => v > 0);
  if (positive.length === 0) return { low: 1, high: 1000 };
  const low = 10 ** Math.floor(Math.log10(Math.min(...positive)));
  let high = 10 ** Math.ceil(Math.log10(Math.max(...positive)));
  if (high <= low) high = low * 10;
  return { low, high };
}

/** x of `ms` on a log axis from `low` to `high` drawn between `x0` and `x1` (values off the axis are clamped to it). */
export function logX(ms: number, low: number, high: number, x0: number, x1: number): number {
  const clamped = Math.min(high, Math.max(low, ms));
  return x0 + ((Math.log10(clamped) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * (x1 - x0);
}

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${Number((ms / 1000).toPrecision(3))} s`;
  return `${Number(ms.toPrecision(3))} ms`;
}

function median(sorted: readonly number[]): number {
  const mid = (sorted.length - 1) / 2;
  return (sorted[Math.floor(mid)] + sorted[Math.ceil(mid)]) / 2;
}

const round = (x: number): number => Math.round(x * 10) / 10;

export function reachChartSvg(chart: ReachChart): string {
  const groups = [...new Set(chart.rows.map((r) => r.group))];
  const seriesNames = [...new Set(chart.rows.map((r) => r.series))];
  const colour = new Map(seriesNames.map((s, k) => [s, PALETTE[k % PALETTE.length]]));
  const { low, high } = axisRange(chart.rows.flatMap((r) => r.values.filter((v): v is number => v !== null)));
  const x0 = LEFT;
  const x1 = WIDTH - RIGHT;
  const plotHeight = chart.rows.length * ROW + groups.length * (ROW + GROUP_GAP);
  const height = TOP + plotHeight + BOTTOM;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`,
  ];
  if (chart.subtitle !== undefined) out.push(`<text x="10" y="38" fill="#555555">${escapeXml(chart.subtitle)}</text>`);
  // Grid: every 1, 2, 5 of each decade; labels on the decades.
  const axisY = TOP + plotHeight;
  for (let decade = low; decade < high * 1.0001; decade *= 10) {
    for (const step of [1, 2, 5]) {
      const ms = decade * step;
      if (ms > high * 1.0001) break;
      const x = round(logX(ms, low, high, x0, x1));
      out.push(`<line x1="${x}" y1="${TOP - 6}" x2="${x}" y2="${axisY}" stroke="${step === 1 ? '#bbbbbb' : '#e5e5e5'}"/>`);
      if (step === 1 || (high / low <= 100)) out.push(`<text x="${x}" y="${axisY + 16}" text-anchor="middle" fill="#333333">${formatMs(ms)}</text>`);
    }
  }
  out.push(`<text x="${round((x0 + x1) / 2)}" y="${axisY + 34}" text-anchor="middle" fill="#333333">fault to client reach (log scale); dot = one trial, bar = median</text>`);
  let y = TOP;
  for (const group of groups) {
    out.push(`<text x="10" y="${y + 13}" font-weight="bold">${escapeXml(group)}</text>`);
    y += ROW;
    for (const row of chart.rows.filter((r) => r.group === group)) {
      const fill = colour.get(row.series) as string;
      const known = row.values.filter((v): v is number => v !== null).sort((a, b) => a - b);
      const missing = row.values.length - known.length;
      const mid = y + ROW / 2;
      out.push(`<text x="24" y="${mid + 4}" fill="${fill}">${escapeXml(row.series)}</text>`);
      out.push(`<line x1="${x0}" y1="${mid}" x2="${x1}" y2="${mid}" stroke="#f2f2f2"/>`);
      for (const v of known) out.push(`<circle cx="${round(logX(v, low, high, x0, x1))}" cy="${mid}" r="3.5" fill="${fill}" fill-opacity="0.55"><title>${escapeXml(`${row.series}, ${group}: ${formatMs(v)}`)}</title></circle>`);
      if (known.length > 0) {
        const p50 = median(known);
        const x = round(logX(p50, low, high, x0, x1));
        out.push(`<line x1="${x}" y1="${mid - 7}" x2="${x}" y2="${mid + 7}" stroke="${fill}" stroke-width="3"><title>${escapeXml(`${row.series}, ${group}: median ${formatMs(p50)}`)}</title></line>`);
        out.push(`<text x="${x0 - 8}" y="${mid + 4}" text-anchor="end" fill="#333333">${formatMs(p50)}</text>`);
      }
      if (missing > 0) out.push(`<text x="${x1 + 6}" y="${mid + 4}" fill="#cc0000">${missing} never</text>`);
      y += ROW;
    }
    y += GROUP_GAP;
  }
  out.push('</svg>', '');
  return out.join('\n');
}
