// The benches' SVG strip chart: axis, scale, one dot per trial, the median, missing trials, escaping and well-formed output.

import { axisRange, escapeXml, formatMs, logX, reachChartSvg } from '../../../bench/reach-svg';

/** Tags opened and closed in order (no XML parser in the project's dependencies; the writer emits no comments or CDATA). */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const match of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (selfClosing) continue;
    if (closing) {
      if (stack.pop() !== name) return false;
    } else {
      stack.push(name);
    }
  }
  return stack.length === 0;
}

function circlesX(svg: string): number[] {
  return [...svg.matchAll(/<circle cx="([0-9.]+)"/g)].map((m) => Number(m[1]));
}

describe('reach chart axis', () => {
  it.each([
    [[33, 900], 10, 1000],
    [[33, 27_100], 10, 100_000],
    [[100, 1000], 100, 1000],
    [[5], 1, 10],
    [[], 1, 1000],
  ])('values %j span %d..%d ms', (values, low, high) => {
    expect(axisRange(values)).toEqual({ low, high });
  });

  it('places decades evenly and clamps values off the axis', () => {
    expect(logX(10, 10, 1000, 0, 200)).toBe(0);
    expect(logX(100, 10, 1000, 0, 200)).toBeCloseTo(100);
    expect(logX(1000, 10, 1000, 0, 200)).toBeCloseTo(200);
    expect(logX(1, 10, 1000, 0, 200)).toBe(0);
    expect(logX(1e6, 10, 1000, 0, 200)).toBeCloseTo(200);
  });

  it.each([[33.25, '33.3 ms'], [900, '900 ms'], [3170, '3.17 s'], [27_100, '27.1 s']])('formats %d as %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });
});

describe('reachChartSvg', () => {
  const chart = {
    title: 'floatip & peers <reach>',
    subtitle: 'npm run bench:peers',
    rows: [
      { group: 'link / follower', series: 'floatip-default', values: [900, 950, 1000] },
      { group: 'link / follower', series: 'keepalived-default', values: [3170, null] },
      { group: 'kill / follower', series: 'floatip-default', values: [33] },
    ],
  };
  const svg = reachChartSvg(chart);

  it('is one well-formed svg element', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(balanced(svg)).toBe(true);
  });

  it('draws one dot per trial that reached, where the axis puts it', () => {
    const xs = circlesX(svg);
    expect(xs).toHaveLength(5);
    // Axis 10 ms .. 10 s, drawn between x 250 and 720: 1 s sits at two thirds.
    expect(xs).toContain(Math.round(logX(1000, 10, 10_000, 250, 720) * 10) / 10);
    expect(xs).toContain(Math.round(logX(33, 10, 10_000, 250, 720) * 10) / 10);
  });

  it('marks each row\'s median and counts the trials that never reached', () => {
    expect(svg).toContain('median 950 ms');
    expect(svg).toContain('median 3.17 s');
    expect(svg).toContain('>1 never</text>');
    expect(svg.match(/never<\/text>/g)).toHaveLength(1);
  });

  it('groups rows under their case, in order of first appearance, one colour per software', () => {
    expect(svg.indexOf('>link / follower<')).toBeLessThan(svg.indexOf('>kill / follower<'));
    const fills = [...svg.matchAll(/<text x="24" y="[0-9.]+" fill="(#[0-9a-f]+)">([^<]+)</g)].map((m) => [m[2], m[1]]);
    expect(fills).toEqual([['floatip-default', '#0072b2'], ['keepalived-default', '#e69f00'], ['floatip-default', '#0072b2']]);
  });

  it('escapes text', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    expect(svg).toContain('floatip &amp; peers &lt;reach&gt;');
    expect(svg).not.toContain('<reach>');
  });
});
