import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { api } from '../helpers/api';
import { historyToJson } from '../helpers/history-json';
import { accountIn, privatePeriod, useAt } from '../helpers/close-world';
import { testDb } from '../helpers/db';
import { readStackInfo } from '../helpers/stack-info';
import { makeAccount, makePublisher, makeTool, monthStart, periodOf, startPayoutWorld, useTools, type PayoutWorld } from '../helpers/payout-harness';
import { chargeRefundedEvent, checkoutSessionEvent, newPaymentIntentId, postWebhook } from '../helpers/stripe-events';
import { createTestAccount, purchaseCredits, toMinor, waitFor, waitForOrder } from '../helpers/stripe-checkout';
import { STRIPE_ERRORS } from '../helpers/stripe-fault-proxy';
import { subscriptionInvoiceEvent } from '../helpers/stripe-subscription-events';
import { createPaidPlan, deliver, subscribeViaEvents, waitForSubscription } from '../helpers/subscriptions';
import { newTool } from '../factories/accounts';

/**
 * `npm run histories:record`: runs one real scenario per workflow type (and path) on the test
 * stack and saves each workflow's history as test/histories/<workflow>/<scenario>.json, which the
 * replay test (test/workflows/replay-histories.test.ts) replays against the current code in every
 * CI run. Record a new scenario when a workflow gains a path; never re-record an existing file
 * after changing workflow code: the old file is what running workflows look like.
 * Only scenarios named in HISTORIES_SCENARIOS (comma separated) run when it is set.
 */
const OUT_DIR = path.resolve(__dirname);
const db = testDb();
let world: PayoutWorld;

beforeAll(async () => {
  world = await startPayoutWorld(db);
}, 60_000);
afterAll(async () => {
  await world.close();
  await db.destroy();
});

const only = process.env.HISTORIES_SCENARIOS?.split(',').map((s) => s.trim()).filter(Boolean);
const scenario = (name: string, run: () => Promise<void>) => (only && !only.includes(name) ? it.skip : it)(name, run, 120_000);

async function save(client: Client, workflowType: string, name: string, workflowId: string, runId?: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const dir = path.join(OUT_DIR, workflowType);
  fs.mkdirSync(dir, { recursive: true });
  // Pretty-printed so a diff of a re-recording is readable in review.
  fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(historyToJson(history), null, 1)}\n`);
  process.stdout.write(`recorded ${workflowType}/${name}.json (${history.events?.length ?? 0} events)\n`);
}

async function closed(client: Client, workflowId: string, runId?: string): Promise<void> {
  const describe = () => client.workflow.getHandle(workflowId, runId).describe().catch(() => null); // not started yet: keep waiting
  await waitFor(`${workflowId} closed`, async () => ((await describe())?.status.name ?? 'RUNNING') !== 'RUNNING', 60_000);
}

async function paidPurchase(credits: number) {
  const account = await createTestAccount('History Co', 'free');
  const purchase = await purchaseCredits(account, credits);
  const paymentIntent = newPaymentIntentId();
  await postWebhook(checkoutSessionEvent('checkout.session.completed', { purchaseId: purchase.purchase_id, amountTotal: toMinor(purchase.amount_due), paymentIntent }));
  await waitForOrder(db, purchase.purchase_id, 'fulfilled');
  return { account, purchase, paymentIntent };
}

describe('record workflow histories', () => {
  scenario('systemCheck/with-stripe-step', async () => {
    const workflowId = `system-check:history-${crypto.randomUUID()}`;
    await world.client.workflow.execute('systemCheck', { workflowId, taskQueue: world.taskQueue, args: [{ note: 'history' }] });
    await save(world.client, 'systemCheck', 'with-stripe-step', workflowId);
  });

  scenario('checkoutToCredit/paid', async () => {
    const { purchase } = await paidPurchase(500);
    await closed(world.client, `checkout:${purchase.purchase_id}`);
    await save(world.client, 'checkoutToCredit', 'paid', `checkout:${purchase.purchase_id}`);
    await closed(world.client, `invoice:purchase:${purchase.purchase_id}`);
    await save(world.client, 'issueInvoice', 'purchase', `invoice:purchase:${purchase.purchase_id}`);
  });

  scenario('checkoutToCredit/async-payment', async () => {
    const account = await createTestAccount('History Async', 'free');
    const purchase = await purchaseCredits(account, 300);
    const amountTotal = toMinor(purchase.amount_due);
    const paymentIntent = newPaymentIntentId();
    await postWebhook(checkoutSessionEvent('checkout.session.completed', { purchaseId: purchase.purchase_id, amountTotal, paymentIntent, paymentStatus: 'unpaid' }));
    await waitFor('waiting for the async payment', async () => (await db('payment_orders').where({ id: purchase.purchase_id }).first()).awaiting_async_payment);
    await postWebhook(checkoutSessionEvent('checkout.session.async_payment_succeeded', { purchaseId: purchase.purchase_id, amountTotal, paymentIntent }));
    await waitForOrder(db, purchase.purchase_id, 'fulfilled');
    await closed(world.client, `checkout:${purchase.purchase_id}`);
    await save(world.client, 'checkoutToCredit', 'async-payment', `checkout:${purchase.purchase_id}`);
  });

  scenario('checkoutToCredit/expired', async () => {
    const account = await createTestAccount('History Expired', 'free');
    const purchase = await purchaseCredits(account, 200);
    await postWebhook(checkoutSessionEvent('checkout.session.expired', { purchaseId: purchase.purchase_id, amountTotal: toMinor(purchase.amount_due) }));
    await waitForOrder(db, purchase.purchase_id, 'expired');
    await closed(world.client, `checkout:${purchase.purchase_id}`);
    await save(world.client, 'checkoutToCredit', 'expired', `checkout:${purchase.purchase_id}`);
  });

  scenario('refund/admin-refund', async () => {
    const { purchase, paymentIntent } = await paidPurchase(1000);
    const requested = await api('POST', `/v1/admin/purchases/${purchase.purchase_id}/refund`, { key: 'admin' });
    const refundId: string = requested.body.refund_id;
    const amount = toMinor(purchase.amount_due);
    await postWebhook(chargeRefundedEvent({ paymentIntent, amount, refunds: [{ amount, metadata: { refund_id: refundId, purchase_id: purchase.purchase_id } }] }));
    await closed(world.client, `refund:${refundId}`);
    await save(world.client, 'refund', 'admin-refund', `refund:${refundId}`);
  });

  scenario('monthEndClose/free-and-pro-with-overage', async () => {
    const period = await privatePeriod(db);
    const tool = await newTool(10);
    const [free, pro] = [await accountIn(period, 'free'), await accountIn(period, 'pro')];
    const mid = new Date(period.start.getTime() + 5 * 86_400_000);
    await useAt(free, tool, 3, mid);
    await useAt(pro, tool, 1100, mid);
    const workflowId = `close:${period.key}`;
    await world.client.workflow.execute('monthEndClose', { workflowId, taskQueue: world.taskQueue, args: [{ period: period.key }] });
    await save(world.client, 'monthEndClose', 'free-and-pro-with-overage', workflowId);
  });

  scenario('scheduledClose/previous-month', async () => {
    const period = await privatePeriod(db);
    await accountIn(period, 'free');
    const workflowId = `close-scheduled:history-${crypto.randomUUID()}`;
    await world.client.workflow.execute('scheduledClose', { workflowId, taskQueue: world.taskQueue, args: [{ at: new Date(period.end.getTime() + 5 * 60_000).toISOString() }] });
    await save(world.client, 'scheduledClose', 'previous-month', workflowId);
  });

  scenario('overageSweep/one-page', async () => {
    const period = await privatePeriod(db);
    const pro = await accountIn(period, 'pro');
    await useAt(pro, await newTool(10), 1100, new Date(period.start.getTime() + 86_400_000));
    const workflowId = `overage-sweep:history-${crypto.randomUUID()}`;
    await world.client.workflow.execute('overageSweep', { workflowId, taskQueue: world.taskQueue, args: [{ at: new Date(period.start.getTime() + 2 * 86_400_000).toISOString(), pageSize: 2 }] });
    await save(world.client, 'overageSweep', 'one-page', workflowId);
  });

  scenario('publisherPayoutRun/continue-as-new', async () => {
    const month = monthStart(3);
    const period = periodOf(month);
    const account = await makeAccount(db, month);
    for (let i = 0; i < 2; i++) {
      const publisher = await makePublisher(db);
      await useTools(db, account, [{ tool: await makeTool(db, publisher.id, '100'), quantity: 40 + i }], new Date(month.getTime() + 60_000));
    }
    const workflowId = `payout-run:${period}:history`;
    const handle = await world.client.workflow.start('publisherPayoutRun', { workflowId, taskQueue: world.taskQueue, args: [{ period, perRun: 1 }] });
    await handle.result();
    await save(world.client, 'publisherPayoutRun', 'first-run-continued-as-new', workflowId, handle.firstExecutionRunId);
    await save(world.client, 'publisherPayoutRun', 'last-run', workflowId);
    const child = (await db('payouts').where({ period }).first('publisher_id')).publisher_id as string;
    await save(world.client, 'publisherPayout', 'paid', `payout:${child}:${period}`);
  });

  scenario('publisherPayout/failed-then-retried', async () => {
    const month = monthStart(4);
    const period = periodOf(month);
    const account = await makeAccount(db, month);
    const publisher = await makePublisher(db);
    await useTools(db, account, [{ tool: await makeTool(db, publisher.id, '100'), quantity: 50 }], new Date(month.getTime() + 60_000));
    world.proxy.failNext({ method: 'POST', path: '/v1/transfers' }, STRIPE_ERRORS.balanceInsufficient());
    await world.client.workflow.execute('publisherPayoutRun', { workflowId: `payout-run:${period}:history`, taskQueue: world.taskQueue, args: [{ period }] });
    await save(world.client, 'publisherPayout', 'failed', `payout:${publisher.id}:${period}`);
    const payout = await db('payouts').where({ publisher_id: publisher.id, period }).first('id');
    expect((await api('POST', `/v1/admin/payouts/${payout.id}/retry`, { key: 'admin' })).status).toBe(202);
    await closed(world.client, `payout:${publisher.id}:${period}:retry-2`);
    await save(world.client, 'publisherPayout', 'retried', `payout:${publisher.id}:${period}:retry-2`);
  });

  scenario('reconcileCheckouts/nothing-missed', async () => {
    const workflowId = `reconcile:history-${crypto.randomUUID()}`;
    // On the stack's own worker: the reconcile's activities start workflows, so they need its Temporal client.
    await world.client.workflow.execute('reconcileCheckouts', { workflowId, taskQueue: readStackInfo().taskQueue, args: [{}] });
    await save(world.client, 'reconcileCheckouts', 'nothing-missed', workflowId);
  });

  scenario('subscription/lifecycle', async () => {
    const scale = `scale-${crypto.randomBytes(3).toString('hex')}`;
    await createPaidPlan(scale, 99, 20_000);
    const account = await createTestAccount('History Subscriber', 'free');
    const fixture = await subscribeViaEvents(db, account.id, 'pro');
    await api('POST', '/v1/subscription/change', { key: account.apiKey, body: { plan: scale } });
    await waitForSubscription(db, account.id, `on ${scale}`, (row) => row.plan_id === scale);
    await deliver(db, subscriptionInvoiceEvent('invoice.payment_failed', fixture, { amountDue: 9900 }));
    await waitForSubscription(db, account.id, 'past due', (row) => row.status === 'past_due');
    await deliver(db, subscriptionInvoiceEvent('invoice.paid', fixture, { amountDue: 9900 }));
    await waitForSubscription(db, account.id, 'active', (row) => row.status === 'active');
    await api('POST', '/v1/subscription/cancel', { key: account.apiKey });
    await waitForSubscription(db, account.id, 'cancel at period end', (row) => row.cancel_at_period_end);
    await api('POST', '/v1/subscription/resume', { key: account.apiKey });
    await waitForSubscription(db, account.id, 'resumed', (row) => !row.cancel_at_period_end);
    await save(world.client, 'subscription', 'lifecycle', `subscription:${account.id}`);
  });

  scenario('subscription/command-refused', async () => {
    const unbillable = `gratis-${crypto.randomBytes(3).toString('hex')}`;
    const created = await api('PUT', `/v1/admin/plans/${unbillable}`, { key: 'admin', body: { name: unbillable, monthly_price: 0, included_credits: 50, overage_allowed: false } });
    expect(created.status).toBe(200);
    const account = await createTestAccount('History Refused', 'free');
    await subscribeViaEvents(db, account.id, 'pro');
    await api('POST', '/v1/subscription/change', { key: account.apiKey, body: { plan: unbillable } });
    await waitFor('the refusal', async () => {
      const view = await api('GET', `/v1/admin/workflows/subscription:${account.id}`, { key: 'admin' });
      return view.body.state?.last_error ? view : null;
    });
    await save(world.client, 'subscription', 'command-refused', `subscription:${account.id}`);
  });

  scenario('autoRecharge/charge-not-completed', async () => {
    const created = await api('POST', '/v1/admin/accounts', { key: 'admin', body: { name: 'History Recharge', plan: 'free', stripe_customer_id: `cus_hist${crypto.randomBytes(5).toString('hex')}` } });
    const key: string = created.body.api_key;
    expect((await api('PUT', '/v1/billing/auto-recharge', { key, body: { enabled: true, threshold_credits: 50, recharge_credits: 20 } })).status).toBe(200);
    expect((await api('POST', '/v1/credits/debit', { key, body: { amount: 60, description: 'crossing' } })).status).toBe(201);
    const workflowId = `auto-recharge:${created.body.id}`;
    await waitFor('auto-recharge started', async () => world.client.workflow.getHandle(workflowId).describe().then(() => true, () => false));
    await closed(world.client, workflowId);
    await save(world.client, 'autoRecharge', 'charge-not-completed', workflowId);
  });

  scenario('webhookDelivery/continue-as-new', async () => {
    const workflowId = `webhook-delivery:history-${crypto.randomUUID()}`;
    const handle = await world.client.workflow.start('webhookDelivery', { workflowId, taskQueue: world.taskQueue, args: [{ sessionSeconds: 1, sessionsPerRun: 2 }] });
    await closed(world.client, workflowId, handle.firstExecutionRunId); // two sessions, then continued as new
    await save(world.client, 'webhookDelivery', 'continue-as-new', workflowId, handle.firstExecutionRunId);
    await world.client.workflow.getHandle(workflowId).terminate('recorded');
  });
});
