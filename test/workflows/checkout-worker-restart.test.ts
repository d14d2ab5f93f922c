import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config/config';
import { signalCheckout } from '../../src/checkout/checkout-workflows';
import { paymentEventFromSession, checkoutSessionSchema } from '../../src/checkout/webhook-events';
import { createStripe } from '../../src/integrations/stripe/client';
import { createWorker } from '../../src/worker/create-worker';
import { testDb } from '../helpers/db';
import { readStackInfo } from '../helpers/stack-info';
import { checkoutSessionEvent } from '../helpers/stripe-events';
import { createTestAccount, creditsBalance, expectLedgerInvariants, orderRow, purchaseCredits, purchaseEntries, toMinor, waitFor } from '../helpers/stripe-checkout';

/**
 * The worker stops in the middle of a checkoutToCredit run: its settling activity is blocked on
 * the order's row lock (held by this test), the worker is shut down, a new worker starts, and the
 * run completes with exactly one credit.
 */
const stack = readStackInfo();
const db = testDb(); // assertions and the test's own lock
const workerDb = testDb(); // the workers' activities
let connection: Connection;
let client: Client;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settle-restart-'));
const config = loadConfig({ ...process.env, DATA_DIR: dataDir }, 'embedded');

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // a runtime is already installed in this process
  }
  connection = await Connection.connect({ address: stack.temporalAddress });
  client = new Client({ connection, namespace: stack.temporalNamespace });
});

afterAll(async () => {
  await connection.close();
  await Promise.all([db.destroy(), workerDb.destroy()]);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function startWorker(taskQueue: string): Promise<{ worker: Worker; running: Promise<void>; native: NativeConnection }> {
  const native = await NativeConnection.connect({ address: stack.temporalAddress });
  const worker = await createWorker({
    connection: native,
    namespace: stack.temporalNamespace,
    taskQueue,
    deps: { config, db: workerDb, stripe: createStripe({ apiBase: stack.stripeApiBase }), temporal: client } as Parameters<typeof createWorker>[0]['deps'],
  });
  return { worker, native, running: worker.run() };
}

/** The activity's `select … for update` waiting for our lock, seen from PostgreSQL. */
async function settleBlockedOnLock(knex: Knex): Promise<boolean> {
  const rows = await knex('pg_stat_activity').where({ wait_event_type: 'Lock' }).whereILike('query', '%payment_orders%for update%');
  return rows.length > 0;
}

describe('checkoutToCredit survives a worker restart', () => {
  it('completes the run after the worker is stopped mid-activity and a new one starts, crediting once', async () => {
    const account = await createTestAccount();
    const purchase = await purchaseCredits(account, 700);
    const order = await orderRow(db, purchase.purchase_id);
    const taskQueue = `checkout-restart-${Date.now()}`;
    const event = checkoutSessionEvent('checkout.session.completed', { purchaseId: purchase.purchase_id, amountTotal: toMinor(purchase.amount_due) });
    const paymentEvent = paymentEventFromSession(event.id, event.type, checkoutSessionSchema.parse(event.data.object));

    const lock = await db.transaction();
    await lock('payment_orders').where({ id: purchase.purchase_id }).forUpdate().first();

    const first = await startWorker(taskQueue);
    await signalCheckout(client, taskQueue, order, paymentEvent);
    const handle = client.workflow.getHandle(`checkout:${purchase.purchase_id}`);
    await waitFor('the settling activity to block on the order lock', () => settleBlockedOnLock(db), 30000);
    expect((await handle.query<any>('state')).step).toBe('settling');

    first.worker.shutdown();
    await first.running; // returns once the blocked attempt gives up (lock_timeout) or is cancelled
    await first.native.close();

    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await orderRow(db, purchase.purchase_id)).status).toBe('pending');
    expect(await purchaseEntries(db, account.id)).toHaveLength(0);
    await lock.rollback();

    const second = await startWorker(taskQueue);
    try {
      const result = await handle.result();
      expect(result).toEqual({ purchase_id: purchase.purchase_id, outcome: 'fulfilled', order_status: 'fulfilled' });
    } finally {
      second.worker.shutdown();
      await second.running;
      await second.native.close();
    }
    expect((await orderRow(db, purchase.purchase_id)).status).toBe('fulfilled');
    expect(await purchaseEntries(db, account.id)).toHaveLength(1);
    expect(await creditsBalance(db, account.id)).toBe(800n * 1_000_000n);
    await expectLedgerInvariants(db, account.id);
  }, 120000);
});
