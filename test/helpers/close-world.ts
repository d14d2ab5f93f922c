import crypto from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config/config';
import { monthContaining, periodKey } from '../../src/periods/compute/calendar-month';
import { createStripe } from '../../src/integrations/stripe/client';
import { createWorker } from '../../src/worker/create-worker';
import { api } from './api';
import { readStackInfo } from './stack-info';
import { startStripeFaultProxy, type StripeFaultProxy } from './stripe-fault-proxy';

/**
 * A month-end close or overage sweep under test: its own worker (on its own task queue) whose
 * Stripe client goes through the recording proxy in front of stripe-mock, so tests see every
 * request Stripe got.
 */
export interface CloseWorld {
  client: Client;
  proxy: StripeFaultProxy;
  taskQueue: string;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export async function startCloseWorld(db: Knex): Promise<CloseWorld> {
  const stack = readStackInfo();
  const proxy = await startStripeFaultProxy(stack.stripeApiBase);
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: stack.temporalNamespace });
  const taskQueue = `close-test-${crypto.randomUUID()}`;
  const config = loadConfig({}, 'embedded');
  let running: { worker: Worker; done: Promise<void>; connection: NativeConnection } | null = null;
  const world: CloseWorld = {
    client,
    proxy,
    taskQueue,
    async startWorker() {
      const workerConnection = await NativeConnection.connect({ address: stack.temporalAddress });
      const worker = await createWorker({
        connection: workerConnection,
        namespace: stack.temporalNamespace,
        taskQueue,
        deps: { config, db, stripe: createStripe({ apiBase: proxy.url }) },
      });
      running = { worker, done: worker.run(), connection: workerConnection };
    },
    async stopWorker() {
      if (!running) return;
      running.worker.shutdown();
      await running.done;
      await running.connection.close();
      running = null;
    },
    async close() {
      await world.stopWorker();
      await connection.close();
      await proxy.close();
    },
  };
  await world.startWorker();
  return world;
}

/**
 * A past month no other test uses, so a close of it sees only this test's accounts: far before
 * any month other suites put accounts in, and checked against the database, since every test
 * file draws its own months.
 */
let monthsBack = 600 + Math.floor(Math.random() * 4000);
export async function privatePeriod(db: Knex): Promise<{ key: string; start: Date; end: Date }> {
  for (;;) {
    const now = new Date();
    const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - monthsBack, 1));
    monthsBack += 1;
    const key = periodKey(start);
    const taken = await db('accounts').where({ period_start: start }).first('id');
    const closed = await db('closes').where({ period: key }).first('period');
    if (taken || closed) continue;
    return { key, ...monthContaining(start) };
  }
}

export async function accountIn(period: { start: Date }, plan: string): Promise<{ id: string; key: string; customer: string }> {
  const customer = `cus_test${crypto.randomBytes(6).toString('hex')}`;
  const created = await api('POST', '/v1/admin/accounts', { key: 'admin', body: { name: `close ${plan}`, plan, period_start: period.start.toISOString(), stripe_customer_id: customer } });
  if (created.status !== 201) throw new Error(created.text);
  return { id: created.body.id, key: created.body.api_key, customer };
}

export async function useAt(account: { key: string }, tool: string, quantity: number, at: Date) {
  const response = await api('POST', '/v1/usage', { key: account.key, body: { items: [{ type: 'tool', tool, quantity }], timestamp: at.toISOString() } });
  if (response.status !== 201) throw new Error(`usage: ${response.status} ${response.text}`);
  return response.body;
}

export const meterEventsOf = (proxy: StripeFaultProxy, customer: string) =>
  proxy.requests.filter((r) => r.path === '/v1/billing/meter_events' && r.form['payload[stripe_customer_id]'] === customer && r.status === 200);
