import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { newAccount } from '../factories/accounts';
import { serveMetrics } from '../../src/observability/metrics-server';
import { metricsSettings } from '../../src/observability/metrics-settings';
import { renderMetrics } from '../../src/observability/scrape-metrics';
import { createDb } from '../../src/db/knex';
import type { Knex } from 'knex';

const db = testDb();
afterAll(() => db.destroy());

/** The value of one sample line, e.g. `settle_database_up 1`; null when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => present.includes(`${key}="${value}"`))) return Number(match[3]);
  }
  return null;
}

describe('GET /metrics on the API port', () => {
  it('needs the admin key: none → 401, an account key → 403', async () => {
    expectErrorBody(await api('GET', '/metrics'), 401, 'unauthorized');
    const account = await newAccount('free');
    expectErrorBody(await api('GET', '/metrics', { key: account.key }), 403, 'forbidden');
  });

  it('answers Prometheus text: latency per route pattern (never the raw path), debit batches, pool, inbox lag, database up', async () => {
    const account = await newAccount('free');
    for (let i = 0; i < 3; i++) {
      const debit = await api('POST', '/v1/credits/debit', { key: account.key, body: { amount: 0.5, idempotency_key: `metrics-${i}` } });
      expect(debit.status).toBe(201);
    }
    expect((await api('GET', '/v1/admin/closes/1902-02', { key: 'admin' })).status).toBe(404);
    expect((await api('GET', '/no/such/path/acct_123')).status).toBe(404);

    const metrics = await api('GET', '/metrics', { key: 'admin' });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = metrics.text;
    expect(sample(text, 'settle_http_request_duration_seconds_count', { method: 'POST', route: '/v1/credits/debit', status: '201' })).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'settle_http_request_duration_seconds_count', { method: 'GET', route: '/v1/admin/closes/:period', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'settle_http_request_duration_seconds_count', { route: 'other', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('1902-02');
    expect(text).not.toContain('acct_123');
    expect(sample(text, 'settle_debit_batch_size_count')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'settle_debit_batch_size_sum')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'settle_debit_batch_wait_seconds_count')).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'settle_database_up')).toBe(1);
    expect(sample(text, 'settle_db_pool_max')).toBeGreaterThan(0);
    expect(sample(text, 'settle_db_pool_connections', { state: 'used' })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'settle_webhook_inbox_unprocessed')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'settle_webhook_inbox_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'settle_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('reads the oldest undispatched Stripe event and close and payout progress from the database at scrape time', async () => {
    // Inside a transaction never committed: the API's inbox hand-off cannot dispatch the event first.
    const trx = await db.transaction();
    try {
      await trx('stripe_events').insert({ id: `evt_metrics_${Date.now()}`, type: 'checkout.session.completed', payload: {}, received_at: trx.raw(`now() - interval '1 hour'`) });
      // Older than any month the close suites draw for themselves (see privatePeriod), so no committed close holds it.
      const period = '1000-01';
      await trx('closes').insert({ period, status: 'running', accounts_total: 40, accounts_done: 15, workflow_id: `close:${period}` });
      const { text } = await renderMetrics({ db: trx as unknown as Knex });
      expect(sample(text, 'settle_database_up')).toBe(1);
      expect(sample(text, 'settle_webhook_inbox_unprocessed')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'settle_webhook_inbox_oldest_age_seconds')).toBe(3600); // now() is the transaction's start
      expect(sample(text, 'settle_close_accounts_total', { period, status: 'running' })).toBe(40);
      expect(sample(text, 'settle_close_accounts_done', { period, status: 'running' })).toBe(15);
    } finally {
      await trx.rollback();
    }
  });

  it('reads the outbox lag, overdue and failed outgoing deliveries at scrape time', async () => {
    // Never committed, so the delivery loop cannot act on these rows first.
    const trx = await db.transaction();
    try {
      const stamp = Date.now();
      await trx('events').insert({ id: `evt_metrics_old_${stamp}`, type: 'credits.low_balance', payload: {}, created_at: trx.raw(`now() - interval '2 hours'`) });
      await trx('events').insert({ id: `evt_metrics_out_${stamp}`, type: 'credits.low_balance', payload: {}, fanned_out_at: trx.fn.now() });
      await trx('webhook_endpoints').insert({ id: `we_metrics_${stamp}`, url: 'http://127.0.0.1:9/hook', secret: 'whsec_metrics' });
      await trx('webhook_deliveries').insert([
        { id: `whd_metrics_late_${stamp}`, event_id: `evt_metrics_out_${stamp}`, endpoint_id: `we_metrics_${stamp}`, status: 'pending', next_attempt_at: trx.raw(`now() - interval '30 minutes'`) },
        { id: `whd_metrics_gave_up_${stamp}`, event_id: `evt_metrics_old_${stamp}`, endpoint_id: `we_metrics_${stamp}`, status: 'failed', attempts: 12 },
      ]);
      const { text } = await renderMetrics({ db: trx as unknown as Knex });
      expect(sample(text, 'settle_outbox_undispatched')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'settle_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(7200);
      expect(sample(text, 'settle_webhook_deliveries_pending')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'settle_webhook_delivery_overdue_seconds')).toBeGreaterThanOrEqual(1800);
      expect(sample(text, 'settle_webhook_deliveries_failed')).toBeGreaterThanOrEqual(1);
    } finally {
      await trx.rollback();
    }
  });

  it('a scrape while the database is unreachable answers at once with settle_database_up 0', async () => {
    const unreachable = createDb('postgres://nobody:nothing@127.0.0.1:1/none', 1);
    try {
      const { text } = await renderMetrics({ db: unreachable });
      expect(sample(text, 'settle_database_up')).toBe(0);
      expect(sample(text, 'settle_webhook_inbox_unprocessed')).toBeNull();
    } finally {
      await unreachable.destroy();
    }
  });
});

describe('METRICS_PORT listener', () => {
  it('with METRICS_TOKEN: 401 without the bearer token, the metrics with it; other paths 404', async () => {
    const token = 'metrics-token-0123456789';
    const server = await serveMetrics({ port: 0, token, host: '127.0.0.1' }, { db });
    try {
      expect((await fetch(server.url)).status).toBe(401);
      expect((await fetch(server.url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      const ok = await fetch(server.url, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toMatch(/^settle_database_up 1$/m);
      expect((await fetch(server.url.replace('/metrics', '/other'), { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('settings: a short token or a bad port is refused at start', () => {
    expect(metricsSettings({ METRICS_PORT: '9464', METRICS_TOKEN: 'x'.repeat(16) })).toEqual({ METRICS_PORT: 9464, METRICS_TOKEN: 'x'.repeat(16) });
    expect(metricsSettings({ METRICS_PORT: '' })).toEqual({});
    expect(() => metricsSettings({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
    expect(() => metricsSettings({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/);
  });
});
