// The metrics HTTP listener on loopback: /metrics in Prometheus text, 404/405 elsewhere, a clear error on a taken port.

import { request } from 'node:http';
import { ip } from '../../../src/core/ip';
import { PrometheusMetrics } from '../../../src/daemon/metrics';
import { MetricsListener, startMetrics } from '../../../src/daemon/metrics-listener';
import { noMetrics } from '../../../src/daemon/metrics-off';
import { RecordingLogger } from '../../unit/daemon/control/recording-logger';

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('MetricsListener', () => {
  const listeners: MetricsListener[] = [];
  afterEach(async () => { for (const l of listeners.splice(0)) await l.stop(); });

  async function listen(metrics = new PrometheusMetrics({ processMetrics: false })): Promise<{ port: number; metrics: PrometheusMetrics }> {
    const listener = new MetricsListener(metrics, new RecordingLogger());
    await listener.start({ address: ip('127.0.0.1'), port: 0 });
    listeners.push(listener);
    return { port: listener.port as number, metrics };
  }

  it('serves /metrics as Prometheus text with the current values', async () => {
    const { port, metrics } = await listen();
    metrics.setHostedAddresses(42);
    metrics.observeTakeoverRun('ok', 12);
    const res = await get(port, '/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('# TYPE floatip_hosted_addresses gauge\nfloatip_hosted_addresses 42\n');
    expect(res.body).toContain('floatip_takeover_runs_total{outcome="ok"} 1\n');
    expect((await get(port, '/metrics?x=1', 'HEAD')).status).toBe(200);
  });

  it('answers 404 elsewhere and 405 to other methods', async () => {
    const { port } = await listen();
    expect((await get(port, '/')).status).toBe(404);
    expect((await get(port, '/metrics', 'POST')).status).toBe(405);
  });

  it('names the address and what to do when the port is taken', async () => {
    const { port } = await listen();
    const second = new MetricsListener(new PrometheusMetrics({ processMetrics: false }), new RecordingLogger());
    await expect(second.start({ address: ip('127.0.0.1'), port })).rejects.toMatchObject({
      code: 'E_METRICS_LISTEN',
      message: `cannot serve metrics on 127.0.0.1:${port} (EADDRINUSE): another process listens there (ss -ltnp 'sport = :${port}' names it): `
        + 'stop it, or set metrics.listen to a free local address and port, or metrics.enabled = false',
    });
  });
});

describe('startMetrics', () => {
  it('is the no-op when metrics are disabled', async () => {
    const setup = await startMetrics({ enabled: false, listen: { address: ip('127.0.0.1'), port: 9390 } }, new RecordingLogger());
    expect(setup.metrics).toBe(noMetrics);
    await setup.stop();
  });

  it('serves a registry when enabled', async () => {
    const logger = new RecordingLogger();
    const setup = await startMetrics({ enabled: true, listen: { address: ip('127.0.0.1'), port: 0 } }, logger);
    try {
      expect(setup.metrics).toBeInstanceOf(PrometheusMetrics);
      expect(logger.lines).toEqual([expect.objectContaining({ level: 'info', message: 'metrics listening', fields: expect.objectContaining({ component: 'metrics' }) })]);
    } finally {
      await setup.stop();
    }
  });
});
