import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Services } from './services';

/**
 * One `npm run api` or `npm run worker` in production mode (every service external, no embedded
 * supervisor), as a process manager would run it: started, stopped with SIGTERM, killed with
 * SIGKILL, started again on the same ports. Each serves Prometheus metrics on its METRICS_PORT.
 */
export class SettleProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  constructor(
    readonly name: string,
    private readonly kind: 'api' | 'worker',
    private readonly services: Services,
    readonly ports: { http?: number; metrics: number },
    private readonly env: Record<string, string> = {},
  ) {}

  get metricsUrl(): string {
    return `http://127.0.0.1:${this.ports.metrics}/metrics`;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Resolves once the process serves: the API's /healthz, the worker's metrics (it opens them once it polls). */
  async start(timeoutMs = 120_000): Promise<void> {
    const script = path.resolve(__dirname, `../../src/${this.kind}.ts`);
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: path.resolve(__dirname, '../..'),
      env: {
        ...process.env,
        DATABASE_URL: this.services.databaseUrl,
        DATABASE_POOL_MAX: '10',
        TEMPORAL_ADDRESS: this.services.temporalAddress,
        STRIPE_API_BASE: this.services.stripeApiBase,
        ADMIN_API_KEY: this.services.adminApiKey,
        STRIPE_WEBHOOK_SECRET: this.services.webhookSecret,
        TEMPORAL_SCHEDULES: 'false',
        LOG_LEVEL: 'error',
        METRICS_PORT: String(this.ports.metrics),
        ...(this.ports.http ? { PORT: String(this.ports.http) } : {}),
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.output = '';
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-8000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const probe = this.kind === 'api' ? `http://127.0.0.1:${this.ports.http}/healthz` : this.metricsUrl;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.name} exited before serving:\n${this.output}`);
      const ok = await fetch(probe, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`${this.name} did not serve within ${timeoutMs / 1000} s:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** SIGTERM, as a deploy or a scale-down sends it; resolves once the process exited. */
  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await this.exited;
    this.child = null;
  }

  /** SIGKILL: the machine or container dies; nothing is drained. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
    this.child = null;
  }

  recentOutput(): string {
    return this.output;
  }

  async scrape(): Promise<string | null> {
    return fetch(this.metricsUrl, { signal: AbortSignal.timeout(5000) }).then((r) => (r.ok ? r.text() : null), () => null);
  }
}
