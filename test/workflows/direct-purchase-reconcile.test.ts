import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../src/config/config';
import { createStripe } from '../../src/integrations/stripe/client';
import { createWorker } from '../../src/worker/create-worker';
import { startApiInstance } from '../helpers/api-instance';
import { testDb } from '../helpers/db';
import { readStackInfo } from '../helpers/stack-info';
import { postWebhook } from '../helpers/stripe-events';
import { startStripeFaultProxy, type StripeFaultProxy } from '../helpers/stripe-fault-proxy';
import { createTestAccount, expectLedgerInvariants, orderRow, purchaseEntries, waitFor, waitForInbox, waitForOrder } from '../helpers/stripe-checkout';

/**
 * A direct purchase that needed the customer (3-D Secure) is pending until payment_intent.succeeded;
 * when that webhook is lost, reconcileCheckouts asks Stripe for the PaymentIntent and settles it.
 * An API instance and a worker talk to stripe-mock through the recording proxy, which answers as
 * Stripe would (stripe-mock's PaymentIntents never need action nor succeed).
 */
const stack = readStackInfo();
const db = testDb();
const workerDb = testDb();
let proxy: StripeFaultProxy;
let apiUrl: string;
let stop: () => Promise<void>;
let connection: Connection;
let client: Client;
const config = loadConfig({ ...process.env, DATA_DIR: stack.dataDir, PORT: '0', LOG_LEVEL: 'silent' }, 'embedded');

beforeAll(async () => {
  proxy = await startStripeFaultProxy(stack.stripeApiBase);
  const api = await startApiInstance({}, { stripeApiBase: proxy.url });
  apiUrl = api.url;
  stop = api.stop;
  connection = await Connection.connect({ address: stack.temporalAddress });
  client = new Client({ connection, namespace: stack.temporalNamespace });
}, 60000);
afterAll(async () => {
  await stop?.();
  await connection?.close();
  await proxy?.close();
  await Promise.all([db.destroy(), workerDb.destroy()]);
});

/** One reconcileCheckouts run on a worker of its own whose Stripe is the proxy (no sessions listed). */
async function reconcile() {
  const taskQueue = `direct-reconcile-test-${Date.now()}`;
  const native = await NativeConnection.connect({ address: stack.temporalAddress });
  const deps = { config, db: workerDb, stripe: createStripe({ apiBase: proxy.url }), temporal: client, listCompletedSessions: async () => [] };
  const worker = await createWorker({ connection: native, namespace: stack.temporalNamespace, taskQueue, deps });
  try {
    return await worker.runUntil(client.workflow.execute('reconcileCheckouts', { workflowId: `reconcile:test-${taskQueue}`, taskQueue, args: [{}] }));
  } finally {
    await native.close();
  }
}

describe('reconcileCheckouts: direct purchases', () => {
  it('credits once a pending 3-D Secure purchase whose PaymentIntent succeeded though its webhook was lost', async () => {
    const account = await createTestAccount('Direct Reconcile Co');
    proxy.failNext({ method: 'POST', path: '/v1/payment_intents' }, {
      kind: 'rewrite',
      rewrite: (body) => ({ ...body, status: 'requires_action', next_action: { type: 'use_stripe_sdk' }, client_secret: `${body.id as string}_secret_test` }),
    });
    const response = await fetch(`${apiUrl}/v1/billing/credits/purchase`, {
      method: 'POST',
      headers: { authorization: `Bearer ${account.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 500, payment_method: 'pm_card_threeDSecure2Required' }),
    });
    expect(response.status).toBe(202);
    const purchase = (await response.json()) as { purchase_id: string; payment_intent: string };
    expect(await orderRow(db, purchase.purchase_id)).toMatchObject({ status: 'pending', stripe_payment_intent: purchase.payment_intent });

    // The customer completed 3-D Secure: Stripe now says succeeded, but no webhook arrives.
    const intentPath = `/v1/payment_intents/${purchase.payment_intent}`;
    proxy.failNext({ method: 'GET', path: intentPath }, {
      kind: 'rewrite',
      rewrite: (body) => ({ ...body, id: purchase.payment_intent, status: 'succeeded', amount: 500, amount_received: 500, currency: 'usd', metadata: { purchase_id: purchase.purchase_id } }),
    });
    const result = await reconcile();
    expect(result.sessions.direct).toEqual(expect.objectContaining({ started: 1 }));
    expect(result.sessions.direct!.checked).toBeGreaterThanOrEqual(1);
    expect(proxy.requests.filter((r) => r.method === 'GET' && r.path === intentPath)).toHaveLength(1);

    const order = await waitForOrder(db, purchase.purchase_id, 'fulfilled');
    expect(order).toMatchObject({ paid_event_id: `reconcile:${purchase.payment_intent}`, amount_charged_minor: '500' });
    expect(await purchaseEntries(db, account.id)).toHaveLength(1);

    // settled: the next pass does not ask about it again, and a late webhook credits nothing more
    await reconcile();
    expect(proxy.requests.filter((r) => r.method === 'GET' && r.path === intentPath)).toHaveLength(1);
    const late = {
      id: `evt_test_direct_late_${purchase.purchase_id}`,
      object: 'event',
      api_version: '2025-08-27.basil',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      type: 'payment_intent.succeeded',
      data: { object: { id: purchase.payment_intent, object: 'payment_intent', amount: 500, amount_received: 500, currency: 'usd', status: 'succeeded', metadata: { purchase_id: purchase.purchase_id } } },
    };
    expect((await postWebhook(late)).status).toBe(200);
    expect((await waitForInbox(db, late.id)).outcome).toBe('signalled');
    await waitFor('the late event’s run finished', async () => {
      const run = await client.workflow.getHandle(`checkout:${purchase.purchase_id}`).describe();
      return run.status.name === 'COMPLETED';
    });
    expect(await purchaseEntries(db, account.id)).toHaveLength(1);
    await expectLedgerInvariants(db, account.id);
  }, 60_000);
});
