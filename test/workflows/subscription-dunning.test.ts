import crypto from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { readStackInfo } from '../helpers/stack-info';
import { createTestAccount, creditsBalance, expectLedgerInvariants, waitFor } from '../helpers/stripe-checkout';
import { subscriptionInvoiceEvent } from '../helpers/stripe-subscription-events';
import { MICRO, accountPlan, deliver, planChangeEntries, subscribeViaEvents, waitForSubscription } from '../helpers/subscriptions';
import { loadConfig } from '../../src/config/config';
import { createStripe } from '../../src/integrations/stripe/client';
import { createWorker } from '../../src/worker/create-worker';
import { subscriptionWorkflowId, type SubscriptionState } from '../../src/subscriptions/subscription.types';

/**
 * Dunning runs on a durable timer of DUNNING_GRACE_DAYS. The Temporal dev server does not skip
 * time, so these accounts' workflows run on a worker of their own whose grace is 3 seconds (the
 * same code, configured short): the workflow is started there first, and the webhooks' signals
 * join it.
 */
const GRACE_SECONDS = 3;
const db = testDb();
const stack = readStackInfo();
const taskQueue = `dunning-test-${crypto.randomUUID()}`;
let connection: Connection;
let client: Client;
let worker: Worker;
let workerDone: Promise<void>;
let workerConnection: NativeConnection;
const started: string[] = [];

beforeAll(async () => {
  connection = await Connection.connect({ address: stack.temporalAddress });
  client = new Client({ connection, namespace: stack.temporalNamespace });
  workerConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  const config = loadConfig({ DUNNING_GRACE_DAYS: String(GRACE_SECONDS / 86_400) }, 'embedded');
  worker = await createWorker({ connection: workerConnection, namespace: stack.temporalNamespace, taskQueue, deps: { config, db, stripe: createStripe({ apiBase: stack.stripeApiBase }) } });
  workerDone = worker.run();
});

afterAll(async () => {
  for (const id of started) await client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  worker.shutdown();
  await workerDone;
  await workerConnection.close();
  await connection.close();
  await db.destroy();
});

async function accountOnShortGrace(name: string) {
  const account = await createTestAccount(name, 'free');
  const workflowId = subscriptionWorkflowId(account.id);
  await client.workflow.start('subscription', { workflowId, taskQueue, args: [{ accountId: account.id }] });
  started.push(workflowId);
  return account;
}

const state = (accountId: string) => client.workflow.getHandle(subscriptionWorkflowId(accountId)).query<SubscriptionState>('state');
const overdraw = async (account: { id: string; apiKey: string }) =>
  api('POST', '/v1/credits/debit', { key: account.apiKey, body: { amount: Number((await creditsBalance(db, account.id)) / MICRO) + 5, description: 'more than the balance' } });

describe('dunning: past_due → free limits after the grace → restored when paid', () => {
  it('falls back to free limits when the grace runs out unpaid, and gets Pro back on invoice.paid', async () => {
    const account = await accountOnShortGrace('Late Payer');
    const fixture = await subscribeViaEvents(db, account.id, 'pro');

    await deliver(db, subscriptionInvoiceEvent('invoice.payment_failed', fixture, { amountDue: 4900 }));
    const pastDue = await waitForSubscription(db, account.id, 'past_due', (row) => row.status === 'past_due' && row.past_due_since !== null);
    expect((await state(account.id)).dunning_deadline).toBe(new Date(pastDue.past_due_since.getTime() + GRACE_SECONDS * 1000).toISOString());
    expect(await accountPlan(db, account.id)).toBe('pro'); // Pro limits during the grace

    const suspended = await waitForSubscription(db, account.id, 'suspended', (row, plan) => row.suspended_period !== null && plan === 'free', 20_000);
    expect(Date.now() - suspended.past_due_since.getTime()).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000);
    expectErrorBody(await overdraw(account), 402, 'insufficient_credits');
    const view = await api('GET', '/v1/subscription', { key: account.apiKey });
    expect(view.body).toMatchObject({ plan: 'pro', status: 'past_due', limits_plan: 'free', latest_invoice: { status: 'open', amount_due: 49 } });
    expect(await state(account.id)).toMatchObject({ status: 'past_due', dunning_deadline: null, last_event: 'dunning:suspended:free_limits' });

    await deliver(db, subscriptionInvoiceEvent('invoice.paid', fixture, { amountDue: 4900 }));
    await waitForSubscription(db, account.id, 'restored', (row, plan) => row.status === 'active' && plan === 'pro' && row.suspended_period === null);
    expect((await overdraw(account)).status).toBe(201);
    // Suspended and restored within one period: its included credits were never taken, none are added.
    expect(await planChangeEntries(db, account.id)).toHaveLength(1);
    await expectLedgerInvariants(db, account.id);
  });

  it('keeps the plan when the invoice is paid within the grace', async () => {
    const account = await accountOnShortGrace('Prompt Payer');
    const fixture = await subscribeViaEvents(db, account.id, 'pro');
    await deliver(db, subscriptionInvoiceEvent('invoice.payment_failed', fixture, { amountDue: 4900 }));
    await waitForSubscription(db, account.id, 'past_due', (row) => row.status === 'past_due');
    await deliver(db, subscriptionInvoiceEvent('invoice.paid', fixture, { amountDue: 4900 }));
    await waitForSubscription(db, account.id, 'active again', (row) => row.status === 'active' && row.past_due_since === null);

    await new Promise((resolve) => setTimeout(resolve, (GRACE_SECONDS + 1) * 1000)); // past the deadline that was cancelled
    expect(await accountPlan(db, account.id)).toBe('pro');
    expect(await state(account.id)).toMatchObject({ status: 'active', dunning_deadline: null, step: 'idle' });
    await waitFor('no suspension', async () => (await db('subscriptions').where({ account_id: account.id }).first()).suspended_period === null);
  });
});
