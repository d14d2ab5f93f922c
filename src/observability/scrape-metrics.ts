import type { WorkerStatus } from '@temporalio/worker';
import type { Knex } from 'knex';
import { Gauge, Registry } from 'prom-client';
import { processRegistry } from './process-metrics';

/** What a process can be asked about at scrape time: its database, and its Temporal worker if it runs one. */
export interface MetricSources {
  db: Knex;
  worker?: () => WorkerSlots | null;
}

export interface WorkerSlots {
  status: WorkerStatus;
  /** the worker's fixed activity slot count, when it has one */
  activitySlots: number | null;
  workflowTaskSlots: number | null;
}

/** A scrape must answer while PostgreSQL is down: the figures it cannot read are left out. */
const QUERY_TIMEOUT_MS = 2000;

/** The Prometheus text of this process: what it observed, plus figures read now. */
export async function renderMetrics(sources: MetricSources): Promise<{ contentType: string; text: string }> {
  const now = new Registry();
  poolGauges(now, sources.db);
  if (sources.worker) workerGauges(now, sources.worker());
  await databaseGauges(now, sources.db);
  const merged = Registry.merge([processRegistry, now]);
  return { contentType: processRegistry.contentType, text: await merged.metrics() };
}

function gauge(registry: Registry, name: string, help: string, labelNames: string[] = []): Gauge {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

interface TarnPool {
  max: number;
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
}

/** knex's pool (tarn): connections in use, idle, being opened, and callers waiting for one. */
function poolGauges(registry: Registry, db: Knex): void {
  const pool = (db as unknown as { client: { pool?: TarnPool | null } }).client.pool;
  if (!pool) return;
  const connections = gauge(registry, 'settle_db_pool_connections', 'database pool connections by state', ['state']);
  connections.set({ state: 'used' }, pool.numUsed());
  connections.set({ state: 'free' }, pool.numFree());
  connections.set({ state: 'pending_create' }, pool.numPendingCreates());
  gauge(registry, 'settle_db_pool_max', 'database pool size limit (DATABASE_POOL_MAX)').set(pool.max);
  gauge(registry, 'settle_db_pool_waiting', 'callers waiting for a pooled connection').set(pool.numPendingAcquires());
}

function workerGauges(registry: Registry, slots: WorkerSlots | null): void {
  gauge(registry, 'settle_temporal_worker_running', '1 while the Temporal worker polls, 0 while it reconnects').set(slots?.status.runState === 'RUNNING' ? 1 : 0);
  if (!slots) return;
  const { status } = slots;
  gauge(registry, 'settle_temporal_worker_activities_in_flight', 'activity tasks executing now (activity slots used)').set(status.numInFlightActivities);
  gauge(registry, 'settle_temporal_worker_workflow_activations_in_flight', 'workflow tasks executing now (workflow slots used)').set(status.numInFlightWorkflowActivations);
  gauge(registry, 'settle_temporal_worker_cached_workflows', 'workflow executions held in the worker cache').set(status.numCachedWorkflows);
  if (slots.activitySlots !== null) gauge(registry, 'settle_temporal_worker_activity_slots', 'activity task slots (max concurrent activities)').set(slots.activitySlots);
  if (slots.workflowTaskSlots !== null) gauge(registry, 'settle_temporal_worker_workflow_task_slots', 'workflow task slots').set(slots.workflowTaskSlots);
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  return Promise.race([work, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), QUERY_TIMEOUT_MS).unref())]);
}

/** Webhook inbox and outbox lag, delivery failures, close and payout progress, read from the system of record. */
async function databaseGauges(registry: Registry, db: Knex): Promise<void> {
  const up = gauge(registry, 'settle_database_up', '1 when the scrape could read the database');
  try {
    // one after the other: cheap queries (each on a partial index), never two at once on one connection
    const [inbox, closes, payouts, outbox, deliveries] = await withTimeout((async () => [
      // the partial index stripe_events_unprocessed makes this a short index scan
      await db.raw(`select count(*)::int as n, coalesce(extract(epoch from now() - min(received_at)), 0)::float8 as age from stripe_events where processed_at is null`),
      await db.raw(`select period, status, accounts_total, accounts_done from closes where status = 'running' or period = (select max(period) from closes)`),
      await db.raw(`select period, status, count(*)::int as n from payouts
              where period in (select period from payouts where status = 'pending' union select max(period) from payouts)
              group by period, status`),
      // events committed but not yet fanned out to endpoints (index events_to_fan_out)
      await db.raw(`select count(*)::int as n, coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as age from events where fanned_out_at is null`),
      // pending deliveries and how late the most overdue one is; failed ones (indexes webhook_deliveries_due, _failed)
      await db.raw(`select
          (select count(*)::int from webhook_deliveries where status = 'pending') as pending,
          (select coalesce(extract(epoch from now() - min(next_attempt_at)), 0)::float8 from webhook_deliveries where status = 'pending' and next_attempt_at <= now()) as overdue,
          (select count(*)::int from webhook_deliveries where status = 'failed') as failed`),
    ])());
    const unprocessed = inbox.rows[0] as { n: number; age: number };
    gauge(registry, 'settle_webhook_inbox_unprocessed', 'Stripe events acknowledged but not yet dispatched').set(unprocessed.n);
    gauge(registry, 'settle_webhook_inbox_oldest_age_seconds', 'age of the oldest undispatched Stripe event (0 when none)').set(unprocessed.age);
    const unfanned = outbox.rows[0] as { n: number; age: number };
    gauge(registry, 'settle_outbox_undispatched', 'events committed but not yet handed to their webhook endpoints').set(unfanned.n);
    gauge(registry, 'settle_outbox_oldest_age_seconds', 'age of the oldest event not yet handed to its endpoints (0 when none)').set(unfanned.age);
    const delivery = deliveries.rows[0] as { pending: number; overdue: number; failed: number };
    gauge(registry, 'settle_webhook_deliveries_pending', 'outgoing webhook deliveries not yet delivered (first attempt or retries)').set(delivery.pending);
    gauge(registry, 'settle_webhook_delivery_overdue_seconds', 'how long past its due time the most overdue pending delivery is (0 when none)').set(delivery.overdue);
    gauge(registry, 'settle_webhook_deliveries_failed', 'outgoing webhook deliveries that gave up (kept until retention deletes them; redeliver to retry)').set(delivery.failed);
    const closeTotal = gauge(registry, 'settle_close_accounts_total', 'accounts a month-end close has to close', ['period', 'status']);
    const closeDone = gauge(registry, 'settle_close_accounts_done', 'accounts a month-end close has closed', ['period', 'status']);
    for (const close of closes.rows as Array<{ period: string; status: string; accounts_total: number; accounts_done: number }>) {
      closeTotal.set({ period: close.period, status: close.status }, close.accounts_total);
      closeDone.set({ period: close.period, status: close.status }, close.accounts_done);
    }
    const payoutCount = gauge(registry, 'settle_payouts', 'payouts of the latest period and of every period with payouts still pending, by status', ['period', 'status']);
    for (const row of payouts.rows as Array<{ period: string; status: string; n: number }>) payoutCount.set({ period: row.period, status: row.status }, row.n);
    up.set(1);
  } catch {
    up.set(0);
  }
}
