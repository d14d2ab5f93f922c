import crypto from 'node:crypto';
import { monthEndClose } from '../../workflows/month-end-close.workflow';
import { subscriptionWorkflowId } from '../../src/subscriptions/subscription.types';
import { api } from '../helpers/api';
import { accountIn, privatePeriod, startCloseWorld, type CloseWorld } from '../helpers/close-world';
import { STRIPE_ERRORS } from '../helpers/stripe-fault-proxy';
import { testDb } from '../helpers/db';
import { expectLedgerInvariants } from '../helpers/ledger-invariants';
import { accountPlan, createPaidPlan, subscribeViaEvents, subscriptionRow, waitForSubscription } from '../helpers/subscriptions';

/**
 * Changes that wait for the end of the period (a downgrade, a cancellation) are applied by the
 * month-end close: the closed month is invoiced on the plan it was served on, the next one is
 * granted from the new plan. The subscription workflows run on the close world's worker, whose
 * Stripe requests go through the recording proxy.
 */
const db = testDb();
let world: CloseWorld;
const started: string[] = [];
beforeAll(async () => {
  world = await startCloseWorld(db);
}, 60000);
afterAll(async () => {
  for (const id of started) await world.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  await world.close();
  await db.destroy();
});

async function subscribedAccount(period: { start: Date }, plan: string) {
  const account = await accountIn(period, 'free');
  const workflowId = subscriptionWorkflowId(account.id);
  await world.client.workflow.start('subscription', { workflowId, taskQueue: world.taskQueue, args: [{ accountId: account.id }] });
  started.push(workflowId);
  const fixture = await subscribeViaEvents(db, account.id, plan);
  return { ...account, fixture };
}

const subscriptionUpdates = (subscriptionId: string) =>
  world.proxy.requests.filter((r) => r.method === 'POST' && r.path === `/v1/subscriptions/${subscriptionId}` && r.outcome === 'executed');

describe('period-end changes, applied by the close', () => {
  it('downgrades and cancels at period end: the close invoices the old plan and grants the new one', async () => {
    const period = await privatePeriod(db);
    const scale = `scale-${crypto.randomBytes(3).toString('hex')}`;
    await createPaidPlan(scale, 99, 20_000);
    const downgrader = await subscribedAccount(period, scale);
    const canceller = await subscribedAccount(period, 'pro');

    const down = await api('POST', '/v1/subscription/change', { key: downgrader.key, body: { plan: 'pro' }, headers: { 'Idempotency-Key': 'downgrade-1' } });
    expect(down.status).toBe(202);
    await waitForSubscription(db, downgrader.id, 'pending pro', (row) => row.pending_plan === 'pro');
    expect(await accountPlan(db, downgrader.id)).toBe(scale);
    // Stripe: the prices swapped without proration (the month is paid), keyed by the request.
    const [swap] = subscriptionUpdates(downgrader.fixture.subscriptionId);
    expect(swap).toMatchObject({
      idempotencyKey: `subscription-change:${downgrader.id}:req:downgrade-1`,
      form: expect.objectContaining({ proration_behavior: 'none', 'metadata[plan]': 'pro', 'items[0][quantity]': '1' }),
    });
    expect(swap!.form['items[0][price]']).toEqual(expect.any(String));
    // the subscription carries Pro's token overage price too (issue 15), so Stripe bills token overage
    const proTokenPrice = await db('stripe_plan_prices').where({ plan_id: 'pro', kind: 'token_overage', current: true }).first();
    const swappedPrices = Object.entries(swap!.form).filter(([field]) => /^items\[\d+\]\[price\]$/.test(field)).map(([, price]) => price);
    expect(swappedPrices).toContain(proTokenPrice.stripe_price_id);

    // Stripe fails the cancellation once with a 500: it is retried with the same key.
    const cancelPath = `/v1/subscriptions/${canceller.fixture.subscriptionId}`;
    world.proxy.failNext({ method: 'POST', path: cancelPath }, STRIPE_ERRORS.apiError());
    expect((await api('POST', '/v1/subscription/cancel', { key: canceller.key })).status).toBe(202);
    await waitForSubscription(db, canceller.id, 'cancel at period end', (row) => row.cancel_at_period_end === true);
    const cancels = world.proxy.requests.filter((r) => r.method === 'POST' && r.path === cancelPath);
    expect(cancels.map((r) => r.outcome)).toEqual(['fault', 'executed']);
    expect(new Set(cancels.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(cancels[1]!.form).toEqual({ cancel_at_period_end: 'true' });

    const result = await world.client.workflow.execute(monthEndClose, { workflowId: `close:${period.key}:${Date.now()}`, taskQueue: world.taskQueue, args: [{ period: period.key }] });
    expect(result).toMatchObject({ status: 'completed', accounts_done: 2, failures: [] });

    expect(await accountPlan(db, downgrader.id)).toBe('pro');
    expect(await subscriptionRow(db, downgrader.id)).toMatchObject({ plan_id: 'pro', pending_plan: null, status: 'active' });
    expect(await accountPlan(db, canceller.id)).toBe('free');
    expect(await subscriptionRow(db, canceller.id)).toMatchObject({ plan_id: 'free', status: 'canceled', cancel_at_period_end: false });

    const nextAllowance = async (accountId: string) =>
      (await db('grants').where({ account_id: accountId, kind: 'included', unit: 'credits', starts_at: period.end }).select('amount')).map((g: { amount: string }) => g.amount);
    expect(await nextAllowance(downgrader.id)).toEqual(['10000000000']); // Pro's 10,000
    expect(await nextAllowance(canceller.id)).toEqual(['100000000']); // Free's 100

    const feeOf = async (accountId: string) => (await db('invoices').where({ source: `period:${accountId}:${period.key}` }).first()).lines[0];
    expect(await feeOf(downgrader.id)).toMatchObject({ description: `${scale} plan, ${period.key}`, amount_minor: 9900 });
    expect(await feeOf(canceller.id)).toMatchObject({ description: `Pro plan, ${period.key}`, amount_minor: 4900 });
    await expectLedgerInvariants(db, downgrader.id);
    await expectLedgerInvariants(db, canceller.id);
  });
});
