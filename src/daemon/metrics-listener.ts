// The optional HTTP listener for Prometheus ([metrics] enabled/listen): GET /metrics, nothing else.

import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { ListenAddress } from '../config';
import { Logger } from './runtime/logger';
import type { Metrics, PrometheusMetrics } from './metrics';
import { noMetrics } from './metrics-off';
import { inBackground } from './runtime/background';

export class MetricsListenError extends Error {
  readonly code = 'E_METRICS_LISTEN';
  constructor(message: string) {
    super(message);
    this.name = 'MetricsListenError';
  }
}

export class MetricsListener {
  private server: Server | undefined;

  constructor(private readonly metrics: PrometheusMetrics, private readonly logger: Logger) {}

  /** The port actually bound (differs from the configured one only for port 0). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async start(listen: ListenAddress): Promise<void> {
    const server = createServer((request, response) => inBackground(this.answer(request, response), this.logger, 'E_METRICS_ANSWER', 'answering a metrics request'));
    const where = listen.address.family === 6 ? `[${listen.address.text}]:${listen.port}` : `${listen.address.text}:${listen.port}`;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(new MetricsListenError(
        `cannot serve metrics on ${where} (${err.code ?? err.message}): ${listenAdvice(err.code, listen.port)}`)));
      server.listen(listen.port, listen.address.text, () => resolve());
    });
    server.on('error', (err) => this.logger.error({ err: err.message }, 'metrics listener failed'));
    this.server = server;
    this.logger.info({ listen: where }, 'metrics listening');
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('use GET\n');
      return;
    }
    try {
      const text = await this.metrics.text();
      response.writeHead(200, { 'content-type': this.metrics.contentType });
      response.end(request.method === 'HEAD' ? undefined : text);
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'metrics collection failed');
      response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed: see the floatipd log\n');
    }
  }
}

/**
 * What to do when the listener cannot bind. A port in use is not another floatipd of this network
 * namespace (its instance lock refuses a second one before metrics start): it is some other process,
 * which `ss` names, and moving floatipd's listener is only one of the fixes.
 */
function listenAdvice(code: string | undefined, port: number): string {
  if (code === 'EADDRINUSE') {
    return `another process listens there (ss -ltnp 'sport = :${port}' names it): stop it, or set metrics.listen to a free local `
      + 'address and port, or metrics.enabled = false';
  }
  return 'set metrics.listen to a local address and port this host has, or metrics.enabled = false';
}

export interface MetricsSetup {
  readonly metrics: Metrics;
  stop(): Promise<void>;
}

/** `[metrics]` of floatip.toml to what the runtime uses: the no-op when disabled, else a registry served over HTTP. */
export async function startMetrics(settings: { readonly enabled: boolean; readonly listen: ListenAddress }, logger: Logger): Promise<MetricsSetup> {
  if (!settings.enabled) return { metrics: noMetrics, stop: async () => undefined };
  // Loaded only now: see metrics-off.ts.
  const { PrometheusMetrics: Registry } = await import('./metrics');
  const metrics = new Registry();
  const listener = new MetricsListener(metrics, logger.child({ component: 'metrics' }));
  await listener.start(settings.listen);
  return { metrics, stop: () => listener.stop() };
}
