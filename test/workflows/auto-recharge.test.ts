import crypto from 'node:crypto';
import { autoRechargeKey, autoRechargeWorkflowId, type AutoRechargeState } from '../../src/auto-recharge/auto-recharge.types';
import { NO_PAYMENT_METHOD_REASON } from '../../src/auto-recharge/charge-recharge';
import { testDb } from '../helpers/db';
import { expectLedgerInvariants } from '../helpers/ledger-invariants';
import { startPayoutApi, startPayoutWorld, waitFor, type PayoutWorld } from '../helpers/payout-harness';
import { STRIPE_ERRORS, type RecordedRequest, type StripeFault } from '../helpers/stripe-fault-proxy';

/**
 * Auto-recharge end to end: the real API (debits over HTTP), the Temporal dev server, a worker,
 * PostgreSQL, and stripe-mock behind the recording proxy. stripe-mock's customers have no default
 * payment method and its PaymentIntents never succeed (status requires_payment_method), so the
 * proxy answers those two as Stripe does for a customer with a saved card: a default payment
 * method, and an off-session charge that succeeded or was declined.
 */
const db = testDb();
let world: PayoutWorld & { stopWorker: () => Promise<void> };
let api: { url: string; adminKey: string; close(): Promise<void> };

beforeAll(async () => {
  // No worker yet: the first test's crossings queue up in Temporal until it starts one.
  world = await startPayoutWorld(db, { withWorker: false });
  api = await startPayoutApi(world, db);
}, 60000);
afterAll(async () => {
  await api?.close();
  await world?.close();
  await db.destroy();
});

async function call(method: string, path: string, key: string, body?: unknown) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** A Free account (100 included credits) that is a Stripe customer, with a saved card unless told otherwise. */
async function stripeAccount(options: { savedCard?: boolean } = {}) {
  const customer = `cus_${crypto.randomBytes(8).toString('hex')}`;
  const created = await call('POST', '/v1/admin/accounts', api.adminKey, { name: `Recharge ${customer}`, plan: 'free', stripe_customer_id: customer });
  expect(created.status).toBe(201);
  if (options.savedCard !== false) {
    world.proxy.failNext({ method: 'GET', path: `/v1/customers/${customer}` }, { kind: 'rewrite', rewrite: (body) => ({ ...body, id: customer, invoice_settings: { ...(body.invoice_settings as object), default_payment_method: 'pm_card_visa' } }) }, 1000);
  }
  return { id: created.body.id as string, key: created.body.api_key as string, customer };
}

/** Stripe's answer to a confirmed off-session PaymentIntent that went through. */
const succeeded = (): StripeFault => ({ kind: 'rewrite', rewrite: (body) => ({ ...body, status: 'succeeded', amount_received: body.amount, last_payment_error: null, next_action: null }) });

/** Stripe's answer to an off-session charge the bank declined (HTTP 402, card_error). */
const declined = (): StripeFault => ({
  kind: 'error',
  status: 402,
  body: {
    error: {
      charge: 'ch_3QdeclinedXYZ',
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      doc_url: 'https://stripe.com/docs/error-codes/card-declined',
      message: 'Your card has insufficient funds.',
      payment_intent: { id: 'pi_3QdeclinedXYZ', object: 'payment_intent', status: 'requires_payment_method' },
      request_log_url: 'https://dashboard.stripe.com/test/logs/req_declined',
      type: 'card_error',
    },
  },
});

const chargesOf = (accountId: string): RecordedRequest[] =>
  world.proxy.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents' && r.form['metadata[account_id]'] === accountId);
const attemptsOf = (accountId: string) => db('auto_recharge_attempts').where({ account_id: accountId }).orderBy('n');
const rechargeEntriesOf = (accountId: string) => db('ledger_entries').where({ account_id: accountId }).where('idempotency_key', 'like', 'auto-recharge:%').orderBy('seq');
const balanceOf = async (accountId: string) => BigInt((await db('balances').where({ account_id: accountId, unit: 'credits' }).first()).balance);

const debit = (key: string, amount: number) => call('POST', '/v1/credits/debit', key, { amount });

/** The account's workflow, once the debit path's fire-and-forget signal has reached Temporal; its latest run's result. */
async function rechargeRun(accountId: string): Promise<AutoRechargeState> {
  const handle = world.client.workflow.getHandle(autoRechargeWorkflowId(accountId));
  await waitFor('the auto-recharge workflow', () => handle.describe().then(() => true, () => false));
  return handle.result() as Promise<AutoRechargeState>;
}

async function settled(accountId: string, n: number) {
  return waitFor(`attempt ${n} to finish`, async () => {
    const attempt = await db('auto_recharge_attempts').where({ account_id: accountId, n }).first();
    return attempt && attempt.status !== 'pending' && (attempt.status === 'failed' || attempt.invoice_id) ? attempt : null;
  });
}

describe('auto-recharge', () => {
  it('fires once per crossing under 50 concurrent debits, and again on a later crossing (attempt 2)', async () => {
    const account = await stripeAccount();
    world.proxy.failNext({ method: 'POST', path: '/v1/payment_intents', form: { 'metadata[account_id]': account.id } }, succeeded(), 2);
    const put = await call('PUT', '/v1/billing/auto-recharge', account.key, { enabled: true, threshold_credits: 50, recharge_credits: 20 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ enabled: true, threshold_credits: 50, recharge_credits: 20, attempts: [] });

    // 100 credits, 50 debits of 1.5: the 34th leaves 49 < 50, the only crossing.
    const responses = await Promise.all(Array.from({ length: 50 }, () => debit(account.key, 1.5)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(201));
    expect(await balanceOf(account.id)).toBe(25_000_000n);

    const worker = await world.startWorker();
    expect(worker.worker.getState()).toBe('RUNNING');
    const run = await rechargeRun(account.id);
    expect(run.results).toEqual([{ crossing: expect.stringMatching(/^txn_/), outcome: 'succeeded', attempt: 1, reason: null }]);
    const first = await settled(account.id, 1);
    expect(first).toMatchObject({ status: 'succeeded', credits: '20000000', amount_minor: '20', currency: 'usd', failure_reason: null, invoice_id: expect.stringMatching(/^inv_/) });

    expect(await attemptsOf(account.id)).toHaveLength(1);
    const entries = await rechargeEntriesOf(account.id);
    expect(entries.map((e) => ({ key: e.idempotency_key, amount: e.amount, type: e.type }))).toEqual([{ key: autoRechargeKey(account.id, 1), amount: '20000000', type: 'purchase' }]);
    expect(await db('grants').where({ id: entries[0].grant_id }).first()).toMatchObject({ kind: 'purchased', amount: '20000000', source: autoRechargeKey(account.id, 1) });
    expect(await balanceOf(account.id)).toBe(45_000_000n);
    await expectLedgerInvariants(db, account.id);

    const [charge, ...more] = chargesOf(account.id);
    expect(more).toEqual([]);
    expect(charge).toMatchObject({ idempotencyKey: autoRechargeKey(account.id, 1), status: 200 });
    expect(charge!.form).toMatchObject({
      amount: '20',
      currency: 'usd',
      customer: account.customer,
      payment_method: 'pm_card_visa',
      off_session: 'true',
      confirm: 'true',
      'metadata[auto_recharge]': '1',
    });

    // Back above the threshold (55), then one debit of 10 crosses it again.
    const grant = await call('POST', '/v1/admin/grants', api.adminKey, { account_id: account.id, amount: 10, kind: 'promotional' });
    expect(grant.status).toBe(201);
    expect((await debit(account.key, 10)).status).toBe(201);
    const second = await settled(account.id, 2);
    expect(second).toMatchObject({ status: 'succeeded', credits: '20000000' });
    expect((await rechargeEntriesOf(account.id)).map((e) => e.idempotency_key)).toEqual([autoRechargeKey(account.id, 1), autoRechargeKey(account.id, 2)]);
    expect(chargesOf(account.id).map((r) => r.idempotencyKey)).toEqual([autoRechargeKey(account.id, 1), autoRechargeKey(account.id, 2)]);
    expect(await balanceOf(account.id)).toBe(65_000_000n);
    await expectLedgerInvariants(db, account.id);

    const view = await call('GET', '/v1/billing/auto-recharge', account.key);
    expect(view.body.attempts.map((a: any) => [a.n, a.status, a.credits, a.amount])).toEqual([[2, 'succeeded', 20, 0.2], [1, 'succeeded', 20, 0.2]]);
  });

  it('a declined charge is recorded as failed with the reason, credits nothing and is not retried', async () => {
    const account = await stripeAccount();
    world.proxy.failNext({ method: 'POST', path: '/v1/payment_intents', form: { 'metadata[account_id]': account.id } }, declined());
    expect((await call('PUT', '/v1/billing/auto-recharge', account.key, { enabled: true, threshold_credits: 80, recharge_credits: 50 })).status).toBe(200);
    expect((await debit(account.key, 30)).status).toBe(201); // 100 → 70: crosses 80

    const run = await rechargeRun(account.id);
    expect(run.results).toEqual([{ crossing: expect.any(String), outcome: 'failed', attempt: 1, reason: expect.stringContaining('insufficient_funds') }]);
    const attempt = await settled(account.id, 1);
    expect(attempt).toMatchObject({ status: 'failed', payment_intent_id: 'pi_3QdeclinedXYZ', ledger_entry_id: null, finished_at: expect.any(Date) });
    expect(attempt.failure_reason).toBe('The card was declined (insufficient_funds): Your card has insufficient funds.');

    // Still under the threshold: more debits are no new crossing, so no new charge.
    for (const amount of [5, 5, 5]) expect((await debit(account.key, amount)).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await attemptsOf(account.id)).toHaveLength(1);
    expect(chargesOf(account.id)).toHaveLength(1);
    expect(await rechargeEntriesOf(account.id)).toEqual([]);
    expect(await balanceOf(account.id)).toBe(55_000_000n);
    await expectLedgerInvariants(db, account.id);
    const view = await call('GET', '/v1/billing/auto-recharge', account.key);
    expect(view.body.attempts).toEqual([expect.objectContaining({ n: 1, status: 'failed', failure_reason: attempt.failure_reason })]);
  });

  it('Stripe 5xx and 429 are retried with the same idempotency key: one charge, one credit', async () => {
    const account = await stripeAccount();
    const match = { method: 'POST', path: '/v1/payment_intents', form: { 'metadata[account_id]': account.id } };
    world.proxy.failNext(match, STRIPE_ERRORS.apiError());
    world.proxy.failNext(match, STRIPE_ERRORS.rateLimited());
    world.proxy.failNext(match, succeeded());
    expect((await call('PUT', '/v1/billing/auto-recharge', account.key, { enabled: true, threshold_credits: 90, recharge_credits: 10 })).status).toBe(200);
    expect((await debit(account.key, 20)).status).toBe(201);

    expect(await settled(account.id, 1)).toMatchObject({ status: 'succeeded' });
    const charges = chargesOf(account.id);
    expect(charges.length).toBeGreaterThanOrEqual(3);
    expect(new Set(charges.map((r) => r.idempotencyKey))).toEqual(new Set([autoRechargeKey(account.id, 1)]));
    expect(charges.filter((r) => r.outcome === 'executed' && r.status === 200)).toHaveLength(1);
    expect((await rechargeEntriesOf(account.id)).map((e) => e.amount)).toEqual(['10000000']);
    await expectLedgerInvariants(db, account.id);
  });

  it('without a saved payment method the attempt fails with a reason pointing to the billing portal', async () => {
    const account = await stripeAccount({ savedCard: false });
    expect((await call('PUT', '/v1/billing/auto-recharge', account.key, { enabled: true, threshold_credits: 90, recharge_credits: 10 })).status).toBe(200);
    expect((await debit(account.key, 20)).status).toBe(201);
    expect(await settled(account.id, 1)).toMatchObject({ status: 'failed', failure_reason: NO_PAYMENT_METHOD_REASON });
    expect(chargesOf(account.id)).toEqual([]);
    expect(await rechargeEntriesOf(account.id)).toEqual([]);
  });

  it('bad input is a 400 in the error shape and writes nothing; enabling without a Stripe customer is a 409', async () => {
    const account = await stripeAccount();
    const bad: unknown[] = [
      { enabled: true, threshold_credits: -1, recharge_credits: 20 },
      { enabled: true, threshold_credits: 0, recharge_credits: 20 },
      { enabled: true, threshold_credits: 'ten', recharge_credits: 20 },
      { enabled: true, threshold_credits: 10, recharge_credits: 5 },
      { enabled: true, threshold_credits: 10, recharge_credits: 20.0000001 },
      { enabled: true, threshold_credits: 10, recharge_credits: 20_000_000 },
      { enabled: 'yes', threshold_credits: 10, recharge_credits: 20 },
      { threshold_credits: 10, recharge_credits: 20 },
      { enabled: true, threshold_credits: 10, recharge_credits: 20, extra: 1 },
    ];
    for (const body of bad) {
      const response = await call('PUT', '/v1/billing/auto-recharge', account.key, body);
      expect({ body, status: response.status, code: response.body.error?.code }).toEqual({ body, status: 400, code: 'validation_failed' });
      expect(typeof response.body.error.message).toBe('string');
    }
    const belowMinimum = await call('PUT', '/v1/billing/auto-recharge', account.key, { enabled: true, threshold_credits: 10, recharge_credits: 5 });
    expect(belowMinimum.body.error).toMatchObject({ message: expect.stringContaining('minimum purchase'), details: { field: 'recharge_credits', minimum: 10 } });

    const noCustomer = await call('POST', '/v1/admin/accounts', api.adminKey, { name: 'No Stripe yet', plan: 'free' });
    const refused = await call('PUT', '/v1/billing/auto-recharge', noCustomer.body.api_key, { enabled: true, threshold_credits: 10, recharge_credits: 20 });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'no_payment_method', message: expect.stringContaining('billing portal') });

    expect(await db('auto_recharge_settings').whereIn('account_id', [account.id, noCustomer.body.id])).toEqual([]);
    const view = await call('GET', '/v1/billing/auto-recharge', account.key);
    expect(view.body).toEqual({ enabled: false, threshold_credits: null, recharge_credits: null, updated_at: null, attempts: [] });
  });
});
