import crypto from 'node:crypto';
import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { postWebhook } from '../helpers/stripe-events';
import { createTestAccount, creditsBalance, expectLedgerInvariants, waitFor, waitForInbox } from '../helpers/stripe-checkout';
import { newSubscriptionFixture, subscriptionCheckoutCompleted, subscriptionEvent, subscriptionInvoiceEvent } from '../helpers/stripe-subscription-events';
import { MICRO, accountPlan, createPaidPlan, deliver, planChangeEntries, subscribeViaEvents, subscriptionRow, waitForSubscription } from '../helpers/subscriptions';
import { monthContaining } from '../../src/periods/compute/calendar-month';
import { proratedIncluded } from '../../src/subscriptions/compute/plan-change';

const db = testDb();
afterAll(() => db.destroy());

const debit = (key: string, amount: number) => api('POST', '/v1/credits/debit', { key, body: { amount, description: 'subscription test' } });

describe('subscription: signed Stripe events drive the plan', () => {
  it('subscribes a free account to Pro: active, Pro limits, the rest of the month granted once', async () => {
    const account = await createTestAccount('Subscriber', 'free');
    expectErrorBody(await debit(account.apiKey, 150), 402, 'insufficient_credits'); // free: hard limit at 100

    const fixture = await subscribeViaEvents(db, account.id, 'pro');
    await deliver(db, subscriptionInvoiceEvent('invoice.paid', fixture, { amountDue: 4900 }));
    await waitForSubscription(db, account.id, 'invoice recorded', (row) => row.latest_invoice?.status === 'paid');

    const grants = await planChangeEntries(db, account.id);
    expect(grants).toHaveLength(1);
    const grant = await db('grants').where({ id: grants[0].grant_id }).first();
    const month = monthContaining(new Date());
    expect(BigInt(grants[0].amount)).toBe(proratedIncluded(10_000n * MICRO, month, grant.starts_at));
    expect(grant).toMatchObject({ kind: 'included', expires_at: month.end });
    expect(grants[0].idempotency_key).toMatch(new RegExp(`^plan-change:${account.id}:\\d{4}-\\d{2}:1:credits$`));
    expect(await planChangeEntries(db, account.id, 'tokens')).toHaveLength(1);

    const overdraw = await debit(account.apiKey, Number((await creditsBalance(db, account.id)) / MICRO) + 50);
    expect(overdraw.status).toBe(201); // Pro allows overage instead of a 402

    const view = await api('GET', '/v1/subscription', { key: account.apiKey });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      plan: 'pro',
      status: 'active',
      pending_plan: null,
      cancel_at_period_end: false,
      stripe_subscription_id: fixture.subscriptionId,
      latest_invoice: { status: 'paid', amount_due: 49, currency: 'usd' },
      usage: { creditsUsed: expect.any(Number), creditsLimit: 10000, percentUsed: expect.any(Number), totalTokensUsed: 0 },
    });
    expect(Date.parse(view.body.current_period_end)).toBe(month.end.getTime());
    await expectLedgerInvariants(db, account.id);
  });

  it('grants once and never rolls back under duplicated and reordered events', async () => {
    const account = await createTestAccount('Reordered', 'free');
    const fixture = newSubscriptionFixture(account.id);
    const t0 = Math.floor(Date.now() / 1000);
    const updated = subscriptionEvent('customer.subscription.updated', fixture, { plan: 'pro', status: 'active', created: t0 + 10 });
    const created = subscriptionEvent('customer.subscription.created', fixture, { plan: 'pro', status: 'incomplete', created: t0 });
    const completed = subscriptionCheckoutCompleted(fixture, 'pro', { created: t0 + 5 });

    // The newest state first, then older ones, each delivered several times at once.
    await Promise.all(Array.from({ length: 5 }, () => postWebhook(updated)));
    await waitForSubscription(db, account.id, 'active on pro', (row, plan) => row.status === 'active' && plan === 'pro');
    await Promise.all([...Array.from({ length: 3 }, () => postWebhook(created)), ...Array.from({ length: 3 }, () => postWebhook(completed))]);
    await waitForInbox(db, created.id);
    await waitForInbox(db, completed.id);
    const retried = { ...updated, id: `${updated.id}x` }; // Stripe re-sending the same state under a new event id
    expect(await deliver(db, retried)).toBe('signalled:subscription');
    await waitFor('workflow handled every event', async () => {
      const state = await api('GET', `/v1/admin/workflows/subscription:${account.id}`, { key: 'admin' });
      return state.body.state?.handled >= 4 ? state : null;
    });

    expect(await subscriptionRow(db, account.id)).toMatchObject({ status: 'active', plan_id: 'pro', stripe_state_at: String(t0 + 10) });
    expect(await planChangeEntries(db, account.id)).toHaveLength(1);
    await expectLedgerInvariants(db, account.id);
  });

  it('upgrades mid-month through the API: Stripe prorates, Settle grants the difference once', async () => {
    const scale = `scale-${crypto.randomBytes(3).toString('hex')}`;
    await createPaidPlan(scale, 99, 20_000);
    const account = await createTestAccount('Upgrader', 'free');
    const fixture = await subscribeViaEvents(db, account.id, 'pro');

    const requested = await api('POST', '/v1/subscription/change', { key: account.apiKey, body: { plan: scale }, headers: { 'Idempotency-Key': `up-${account.id}` } });
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({ requested: 'change', plan: 'pro' });
    await waitForSubscription(db, account.id, `on ${scale}`, (row, plan) => plan === scale && row.plan_id === scale);

    // Stripe then reports the subscription on the new prices, twice: nothing more is granted.
    await deliver(db, subscriptionEvent('customer.subscription.updated', fixture, { plan: scale }));
    await deliver(db, subscriptionEvent('customer.subscription.updated', fixture, { plan: scale }));
    // The same request again (a client retry) is handled once.
    await api('POST', '/v1/subscription/change', { key: account.apiKey, body: { plan: scale }, headers: { 'Idempotency-Key': `up-${account.id}` } });

    const grants = await planChangeEntries(db, account.id);
    expect(grants.map((g) => g.idempotency_key.split(':').slice(-2).join(':'))).toEqual(['1:credits', '2:credits']);
    const second = await db('grants').where({ id: grants[1].grant_id }).first();
    expect(BigInt(grants[1].amount)).toBe(proratedIncluded(20_000n * MICRO, monthContaining(new Date()), second.starts_at));
    expect(await subscriptionRow(db, account.id)).toMatchObject({ plan_id: scale, pending_plan: null, plan_changes: 2 });
    await expectLedgerInvariants(db, account.id);
  });

  it('cancels at period end and resumes before it', async () => {
    const account = await createTestAccount('Canceller', 'free');
    await subscribeViaEvents(db, account.id, 'pro');

    expect((await api('POST', '/v1/subscription/cancel', { key: account.apiKey, body: { at_period_end: true } })).status).toBe(202);
    await waitForSubscription(db, account.id, 'cancel at period end', (row) => row.cancel_at_period_end === true);
    const canceled = await api('GET', '/v1/subscription', { key: account.apiKey });
    expect(canceled.body).toMatchObject({ plan: 'pro', status: 'active', cancel_at_period_end: true, pending_plan: 'free' });
    expect(await accountPlan(db, account.id)).toBe('pro'); // the paid month is served to its end

    expect((await api('POST', '/v1/subscription/resume', { key: account.apiKey })).status).toBe(202);
    await waitForSubscription(db, account.id, 'resumed', (row) => row.cancel_at_period_end === false);
    expect((await api('GET', '/v1/subscription', { key: account.apiKey })).body).toMatchObject({ plan: 'pro', cancel_at_period_end: false, pending_plan: null });
    expectErrorBody(await api('POST', '/v1/subscription/resume', { key: account.apiKey }), 409, 'conflict');
  });

  it('answers bad requests with clear errors and changes nothing', async () => {
    const account = await createTestAccount('Careless', 'free');
    expectErrorBody(await api('POST', '/v1/subscription/change', { key: account.apiKey, body: { plan: 'pro' } }), 409, 'no_subscription');
    expectErrorBody(await api('POST', '/v1/subscription/checkout', { key: account.apiKey, body: { plan: 'no-such-plan' } }), 400, 'validation_failed');
    expectErrorBody(await api('POST', '/v1/subscription/checkout', { key: account.apiKey, body: { plan: 'free' } }), 400, 'validation_failed');
    expectErrorBody(await api('POST', '/v1/subscription/cancel', { key: account.apiKey, body: { at_period_end: false } }), 400, 'validation_failed');

    await subscribeViaEvents(db, account.id, 'pro');
    expectErrorBody(await api('POST', '/v1/subscription/change', { key: account.apiKey, body: { plan: 'no-such-plan' } }), 400, 'validation_failed');
    expectErrorBody(await api('POST', '/v1/subscription/change', { key: account.apiKey, body: { plan: 'pro' } }), 409, 'conflict');
    expectErrorBody(await api('POST', '/v1/subscription/checkout', { key: account.apiKey, body: { plan: 'pro' } }), 409, 'conflict');
    expect(await subscriptionRow(db, account.id)).toMatchObject({ plan_id: 'pro', plan_changes: 1, pending_plan: null, cancel_at_period_end: false });
  });

  it('stores and ignores events for customers Settle does not know', async () => {
    const stranger = newSubscriptionFixture('acct_doesnotexist');
    const event = subscriptionEvent('customer.subscription.updated', stranger, { plan: 'pro', namedAccount: false });
    expect((await postWebhook(event)).status).toBe(200);
    expect((await waitForInbox(db, event.id)).outcome).toBe('ignored:unknown_customer');
    const invoice = subscriptionInvoiceEvent('invoice.paid', stranger, { amountDue: 4900, namedAccount: false });
    expect((await postWebhook(invoice)).status).toBe(200);
    expect((await waitForInbox(db, invoice.id)).outcome).toBe('ignored:unknown_customer');
  });

  it('starts a subscription checkout in subscription mode', async () => {
    const account = await createTestAccount('Checkout Sub', 'free');
    const response = await api('POST', '/v1/subscription/checkout', { key: account.apiKey, body: { plan: 'pro' } });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ checkout_url: expect.stringMatching(/^https?:\/\//), session_id: expect.stringMatching(/^cs_/), plan: 'pro' });
  });

  it('lets an admin set the plan of an account billed outside Stripe, with the same grant rules', async () => {
    const account = await createTestAccount('Manual', 'free');
    const upgraded = await api('PUT', `/v1/admin/accounts/${account.id}/plan`, { key: 'admin', body: { plan: 'pro', effective: 'now' } });
    expect(upgraded.status).toBe(200);
    expect(upgraded.body).toMatchObject({ plan: 'pro', status: 'active', outcome: 'upgrade:pro' });
    expect(await planChangeEntries(db, account.id)).toHaveLength(1);
    expectErrorBody(await api('PUT', `/v1/admin/accounts/${account.id}/plan`, { key: 'admin', body: { plan: 'pro', effective: 'now' } }), 409, 'conflict');

    const later = await api('PUT', `/v1/admin/accounts/${account.id}/plan`, { key: 'admin', body: { plan: 'free', effective: 'period_end' } });
    expect(later.body).toMatchObject({ plan: 'pro', pending_plan: 'free', outcome: 'pending:free' });
    expect(await accountPlan(db, account.id)).toBe('pro');
    expectErrorBody(await api('PUT', `/v1/admin/accounts/${account.id}/plan`, { key: 'admin', body: { plan: 'gold', effective: 'now' } }), 400, 'validation_failed');
    expectErrorBody(await api('PUT', '/v1/admin/accounts/acct_missing/plan', { key: 'admin', body: { plan: 'pro' } }), 404, 'not_found');
    await expectLedgerInvariants(db, account.id);
  });
});
