// The shipped Prometheus rules and Grafana dashboard: every metric they query is one floatipd registers, and promtool accepts them and their test cases.
//
// promtool comes with Debian's prometheus package (scripts/apt-packages.txt; CI installs it).
// Without it the promtool tests are skipped and say so; the metric-name checks always run.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { PrometheusMetrics } from '../../../src/daemon/metrics';

const ROOT = join(__dirname, '../../..');
const RULES = join(ROOT, 'packaging/prometheus/floatip.rules.yml');
const RULES_TEST = join(ROOT, 'packaging/prometheus/floatip.rules.test.yml');
const DASHBOARD = join(ROOT, 'packaging/grafana/floatip-dashboard.json');

function onPath(command: string): string | undefined {
  return (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, command))
    .find((path) => spawnSync(path, ['--version'], { stdio: 'ignore' }).status === 0);
}

const promtool = onPath('promtool');
const withPromtool = promtool === undefined ? test.skip : test;
const SKIPPED = promtool === undefined ? ' (SKIPPED: promtool not found; apt-get install prometheus)' : '';

/** The names floatipd's registry exports, a histogram's _bucket, _sum and _count series included. */
async function exportedNames(): Promise<Set<string>> {
  const metrics = new PrometheusMetrics({ processMetrics: false });
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (metric.type.toString() === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
  }
  return names;
}

/** Every floatip_* name in a text: the queries cannot name another family of ours by accident. */
function namesIn(text: string): string[] {
  return [...new Set(text.match(/\bfloatip_[a-z0-9_]+/g) ?? [])].sort();
}

interface DashboardPanel {
  readonly title: string;
  readonly targets?: ReadonlyArray<{ readonly expr: string }>;
}

function dashboardQueries(): string[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: DashboardPanel[] };
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
}

describe('Prometheus rules and Grafana dashboard', () => {
  test('every metric the alerting rules query is registered by floatipd', async () => {
    const exported = await exportedNames();
    const used = namesIn(readFileSync(RULES, 'utf8'));
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((name) => !exported.has(name))).toEqual([]);
  });

  test('every metric the dashboard queries is registered by floatipd, and it shows what operators watch', async () => {
    const exported = await exportedNames();
    const queries = dashboardQueries();
    const used = namesIn(queries.join('\n'));
    expect(used.filter((name) => !exported.has(name))).toEqual([]);
    for (const needed of ['floatip_hosted_addresses', 'floatip_address_failover_seconds_bucket', 'floatip_takeover_runs_total', 'floatip_quorate', 'floatip_node_flag']) {
      expect(used).toContain(needed);
    }
  });

  withPromtool(`promtool check rules accepts the rules, and their test cases pass (a deleted node raises nothing)${SKIPPED}`, () => {
    const check = spawnSync(promtool as string, ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toContain('SUCCESS');
    expect(check.status).toBe(0);
    const cases = spawnSync(promtool as string, ['test', 'rules', RULES_TEST], { encoding: 'utf8' });
    expect(cases.stdout + cases.stderr).toContain('SUCCESS');
    expect(cases.status).toBe(0);
  });

  withPromtool(`every dashboard query is valid PromQL (promtool, as recording rules)${SKIPPED}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'floatip-dashboard-'));
    try {
      // Grafana's $__rate_interval is no PromQL: a fixed range stands in for it.
      const rules = dashboardQueries().map((expr, k) => `      - record: floatip_dashboard_query_${k}\n        expr: ${JSON.stringify(expr.replace(/\$__rate_interval/g, '5m'))}\n`);
      const file = join(dir, 'dashboard.rules.yml');
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('')}`);
      const check = spawnSync(promtool as string, ['check', 'rules', file], { encoding: 'utf8' });
      expect(check.stdout + check.stderr).toContain(`SUCCESS: ${rules.length} rules found`);
      expect(check.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
