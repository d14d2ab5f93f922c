import crypto from 'node:crypto';
import { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, type NativeConnection, type Worker } from '@temporalio/worker';
import type { Knex } from 'knex';
import pino from 'pino';
import type { AppDeps } from '../../src/app-deps';
import { createAccount, createPublisher } from '../../src/accounts/accounts.service';
import { catalogCache } from '../../src/catalog/catalog-cache';
import { upsertTool } from '../../src/catalog/catalog.queries';
import { loadConfig, type Config } from '../../src/config/config';
import { creditPricing } from '../../src/payouts/payout-config';
import { recordUsage } from '../../src/credits/usage.service';
import { createStripe } from '../../src/integrations/stripe/client';
import { connectClient, connectWorkerConnection, temporalTarget } from '../../src/integrations/temporal/connect';
import { creditsToMicro } from '../../src/shared/amounts';
import { newId } from '../../src/shared/ids';
import { createWorker } from '../../src/worker/create-worker';
import { serveApi } from '../../src/runtime/serve-api';
import { readStackInfo } from './stack-info';
import { startStripeFaultProxy, type StripeFaultProxy } from './stripe-fault-proxy';

/**
 * Payout tests' own world: stripe-mock behind the fault proxy, a worker on a dedicated task
 * queue whose Stripe client goes through the proxy, and a Temporal client to start workflows on it.
 */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...process.env, LOG_LEVEL: 'error', ...overrides }, 'embedded');
}

let runtimeInstalled = false;
export function quietTemporalRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') }); // injected Stripe faults would log every activity failure
  } catch {
    // already installed in this process
  }
}

export interface PayoutWorld {
  config: Config;
  proxy: StripeFaultProxy;
  client: Client;
  taskQueue: string;
  startWorker(): Promise<{ worker: Worker; stop(): Promise<void> }>;
  close(): Promise<void>;
}

export async function startPayoutWorld(db: Knex, options: { withWorker?: boolean } = {}): Promise<PayoutWorld & { stopWorker: () => Promise<void> }> {
  quietTemporalRuntime();
  const stack = readStackInfo();
  const taskQueue = `payouts-test-${crypto.randomUUID()}`;
  const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue });
  const proxy = await startStripeFaultProxy(stack.stripeApiBase);
  const client = await connectClient(temporalTarget(config, stack.temporalAddress));
  const connections: NativeConnection[] = [];
  const running: Array<() => Promise<void>> = [];

  const startWorker = async () => {
    const connection = await connectWorkerConnection(temporalTarget(config, stack.temporalAddress));
    connections.push(connection);
    const worker = await createWorker({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue, deps: { config, db, stripe: createStripe({ apiBase: proxy.url }) } });
    const done = worker.run();
    const stop = async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    };
    running.push(stop);
    return { worker, stop };
  };

  let stopFirst: () => Promise<void> = async () => undefined;
  if (options.withWorker !== false) stopFirst = (await startWorker()).stop;

  return {
    config,
    proxy,
    client,
    taskQueue,
    startWorker,
    stopWorker: () => stopFirst(),
    async close() {
      for (const stop of running.splice(0)) await stop().catch(() => undefined);
      for (const connection of connections.splice(0)) await connection.close().catch(() => undefined);
      await client.connection.close();
      await proxy.close();
    },
  };
}

/** A publisher with a connected account that can receive transfers (unless told otherwise). */
export async function makePublisher(
  db: Knex,
  options: { share?: string; account?: string | null; transfersEnabled?: boolean } = {},
): Promise<{ id: string; apiKey: string; account: string | null }> {
  const account = options.account === undefined ? `acct_${crypto.randomBytes(8).toString('hex')}` : options.account;
  const publisher = await createPublisher(db, { name: `Publisher ${crypto.randomBytes(3).toString('hex')}`, stripeAccountId: account ?? undefined });
  await db('publishers')
    .where({ id: publisher.id })
    .update({ transfers_enabled: options.transfersEnabled ?? account !== null, ...(options.share ? { revenue_share: options.share } : {}) });
  return { id: publisher.id, apiKey: publisher.api_key, account };
}

export async function makeTool(db: Knex, publisherId: string | null, creditsPerExecution: string): Promise<string> {
  const id = `test.${crypto.randomBytes(5).toString('hex')}.run`;
  await upsertTool(db, { id, publisher_id: publisherId, credits_per_execution: creditsToMicro(creditsPerExecution).toString(), description: null });
  catalogCache(db).invalidate();
  return id;
}

/** An account on a plan with overage (debits never run out) whose open period started at `since`. */
export async function makeAccount(db: Knex, since: Date, plan = 'pro'): Promise<string> {
  const account = await createAccount(db, { name: `Customer ${crypto.randomBytes(3).toString('hex')}`, plan, periodStart: since });
  return account.id;
}

export async function useTools(
  db: Knex,
  accountId: string,
  items: Array<{ tool: string; quantity: number }>,
  at: Date,
  extra: { markup?: boolean; models?: Array<{ model: string; input_tokens: number; output_tokens: number }> } = {},
) {
  const all = [
    ...items.map((item) => ({ type: 'tool' as const, tool: item.tool, quantity: item.quantity })),
    ...(extra.models ?? []).map((m) => ({ type: 'model' as const, model: m.model, input_tokens: m.input_tokens, output_tokens: m.output_tokens, cache_write_tokens: 0, cache_read_tokens: 0 })),
  ];
  const key = crypto.randomUUID();
  return recordUsage(db, {
    accountId,
    idempotencyKey: `req:${key}`,
    requestHash: key,
    agent: null,
    taskId: null,
    timestamp: at,
    markup: extra.markup ? 'agent' : null,
    items: all,
    creditPricing: creditPricing(testConfig()),
  });
}

/** Creates the payout row of one publisher for a period, as a run would (without touching other publishers). */
export async function planOne(db: Knex, publisherId: string, period: string, asOf: Date, currency = 'usd'): Promise<string> {
  const id = newId('po');
  await db('payouts').insert({ id, publisher_id: publisherId, period, as_of: asOf, currency, status: 'pending' }).onConflict(['publisher_id', 'period']).ignore();
  const row = await db('payouts').where({ publisher_id: publisherId, period }).first('id');
  return row.id as string;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Start of the UTC month `monthsAgo` months before now. */
export function monthStart(monthsAgo: number, now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - monthsAgo, 1));
}

export function periodOf(date: Date): string {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

/**
 * A past month for a payout run of its own. A run takes every publisher with unsettled accruals
 * before the end of its month, whatever month they were earned in, so the month must have no
 * payouts yet and nothing unsettled may lie before its end. Checked against the database (jest
 * runs in band). Starts 100 months back: older than the fixed months other payout suites use
 * (22–32), newer than the close tests' private months (600+).
 */
let privateMonthsBack = 100;
export async function privatePayoutMonth(db: Knex): Promise<{ period: string; start: Date; end: Date }> {
  for (;;) {
    const start = monthStart(privateMonthsBack);
    const end = monthStart(privateMonthsBack - 1);
    privateMonthsBack += 1;
    const planned = await db('payouts').where({ period: periodOf(start) }).first('id');
    const unsettled = await db('publisher_accruals').whereNull('payout_id').where('occurred_at', '<', end).first('id');
    if (!planned && !unsettled) return { period: periodOf(start), start, end };
  }
}

/**
 * The real API (same routes, same code) wired to the payout world: its Stripe client goes
 * through the fault proxy and it starts workflows on the world's task queue.
 */
export async function startPayoutApi(world: PayoutWorld, db: Knex): Promise<{ url: string; adminKey: string; close(): Promise<void> }> {
  const stack = readStackInfo();
  const deps: AppDeps = {
    config: world.config,
    db,
    temporal: world.client,
    stripe: createStripe({ apiBase: world.proxy.url }),
    log: pino({ level: 'silent' }),
    adminApiKey: stack.adminApiKey,
    webhookSecret: stack.webhookSecret,
    stripeApiBase: world.proxy.url,
  };
  const api = await serveApi(deps, 0);
  return { url: api.url, adminKey: stack.adminApiKey, close: () => api.close() };
}
