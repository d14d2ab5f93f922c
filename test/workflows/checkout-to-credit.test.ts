import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { checkoutSessionEvent, newPaymentIntentId, postWebhook } from '../helpers/stripe-events';
import {
  createTestAccount,
  creditsBalance,
  expectLedgerInvariants,
  orderRow,
  purchaseCredits,
  purchaseEntries,
  toMinor,
  waitFor,
  waitForInbox,
  waitForOrder,
  type TestAccount,
} from '../helpers/stripe-checkout';

const db = testDb();
afterAll(() => db.destroy());

const MICRO = 1_000_000n;

async function getPurchase(account: TestAccount | 'admin', id: string) {
  return api('GET', `/v1/billing/credits/purchases/${id}`, { key: account === 'admin' ? 'admin' : account.apiKey });
}

describe('checkoutToCredit: purchase → signed webhook → credit', () => {
  it('credits exactly the purchased credits after checkout.session.completed', async () => {
    const account = await createTestAccount();
    const before = await creditsBalance(db, account.id);
    const purchase = await purchaseCredits(account, 5000);
    expect(purchase).toMatchObject({ amount_due: 50, currency: 'usd', status: 'pending', credits: 5000 });

    const pending = await getPurchase(account, purchase.purchase_id);
    expect(pending.body).toMatchObject({ status: 'pending', credits_added: 0, new_balance: null, workflow: { id: `checkout:${purchase.purchase_id}`, status: 'NOT_STARTED' } });

    const event = checkoutSessionEvent('checkout.session.completed', { purchaseId: purchase.purchase_id, amountTotal: toMinor(purchase.amount_due) });
    const delivered = await postWebhook(event);
    expect(delivered.status).toBe(200);
    expect(delivered.body).toEqual({ received: true, duplicate: false });

    const order = await waitForOrder(db, purchase.purchase_id, 'fulfilled');
    expect(BigInt(order.credits_added)).toBe(5000n * MICRO);
    expect(order.paid_event_id).toBe(event.id);
    expect(await creditsBalance(db, account.id)).toBe(before + 5000n * MICRO);
    const entries = await purchaseEntries(db, account.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ idempotency_key: `purchase:${purchase.purchase_id}`, reference: purchase.purchase_id, description: 'Purchase of 5000 credits' });
    const grant = await db('grants').where({ id: entries[0].grant_id }).first();
    expect(grant).toMatchObject({ kind: 'purchased', source: `purchase:${purchase.purchase_id}` });

    const done = await waitFor('workflow completed', async () => {
      const view = await getPurchase(account, purchase.purchase_id);
      return view.body.workflow.status === 'COMPLETED' ? view : null;
    });
    expect(done.body).toMatchObject({
      purchase_id: purchase.purchase_id,
      status: 'fulfilled',
      credits_added: 5000,
      amount_charged: 50,
      currency: 'usd',
      new_balance: Number((before + 5000n * MICRO) / MICRO),
      invoice_id: expect.stringMatching(/^inv_/),
      workflow: { status: 'COMPLETED', state: { step: 'done', outcome: 'fulfilled', order_status: 'fulfilled', invoice_id: expect.stringMatching(/^inv_/) } },
    });
    expect((await waitForInbox(db, event.id)).outcome).toBe('signalled');
    await expectLedgerInvariants(db, account.id);
  });

  it('credits once when the same event is delivered 10 times concurrently', async () => {
    const account = await createTestAccount();
    const purchase = await purchaseCredits(account, 1000);
    const event = checkoutSessionEvent('checkout.session.completed', { purchaseId: purchase.purchase_id, amountTotal: toMinor(purchase.amount_due) });
    const responses = await Promise.all(Array.from({ length: 10 }, () => postWebhook(event)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(responses.filter((r) => r.body.duplicate === false)).toHaveLength(1);

    await waitForOrder(db, purchase.purchase_id, 'fulfilled');
    await new Promise((resolve) => setTimeout(resolve, 500)); // room for any (wrong) second credit
    expect(await purchaseEntries(db, account.id)).toHaveLength(1);
    expect(await db('stripe_events').where({ id: event.id })).toHaveLength(1);
    expect(await creditsBalance(db, account.id)).toBe(1100n * MICRO); // free plan's 100 included + 1000
    await expectLedgerInvariants(db, account.id);
  });

  it('credits once when async_payment_succeeded arrives before completed', async () => {
    const account = await createTestAccount();
    const purchase = await purchaseCredits(account, 200);
    const amountTotal = toMinor(purchase.amount_due);
    const paymentIntent = newPaymentIntentId();
    const succeeded = checkoutSessionEvent('checkout.session.async_payment_succeeded', { purchaseId: purchase.purchase_id, amountTotal, paymentIntent });
    const completed = checkoutSessionEvent('checkout.session.completed', { purchaseId: purchase.purchase_id, amountTotal, paymentIntent, paymentStatus: 'unpaid' });

    expect((await postWebhook(succeeded)).status).toBe(200);
    await waitForOrder(db, purchase.purchase_id, 'fulfilled');
    await waitFor('first run completed', async () => (await getPurchase(account, purchase.purchase_id)).body.workflow.status === 'COMPLETED');
    expect((await postWebhook(completed)).status).toBe(200);
    await waitForInbox(db, completed.id);
    // The late completed event starts a fresh run, which finds the order settled and ends.
    const view = await waitFor('late run done', async () => {
      const response = await getPurchase(account, purchase.purchase_id);
      return response.body.workflow.state?.outcome === 'already_fulfilled' ? response : null;
    });
    expect(view.body.status).toBe('fulfilled');
    expect(await purchaseEntries(db, account.id)).toHaveLength(1);
    expect(await creditsBalance(db, account.id)).toBe(300n * MICRO);
  });

  it('waits for a delayed payment after completed(unpaid), then credits on async_payment_succeeded', async () => {
    const account = await createTestAccount();
    const purchase = await purchaseCredits(account, 300);
    const amountTotal = toMinor(purchase.amount_due);
    const paymentIntent = newPaymentIntentId();
    await postWebhook(checkoutSessionEvent('checkout.session.completed', { purchaseId: purchase.purchase_id, amountTotal, paymentIntent, paymentStatus: 'unpaid' }));
    const waiting = await waitFor('waiting for async payment', async () => {
      const response = await getPurchase(account, purchase.purchase_id);
      return response.body.workflow.state?.step === 'waiting_for_async_payment' ? response : null;
    });
    expect(waiting.body).toMatchObject({ status: 'pending', credits_added: 0, workflow: { status: 'RUNNING' } });
    expect((await orderRow(db, purchase.purchase_id)).awaiting_async_payment).toBe(true);
    expect(await purchaseEntries(db, account.id)).toHaveLength(0);

    await postWebhook(checkoutSessionEvent('checkout.session.async_payment_succeeded', { purchaseId: purchase.purchase_id, amountTotal, paymentIntent }));
    const order = await waitForOrder(db, purchase.purchase_id, 'fulfilled');
    expect(order.stripe_payment_intent).toBe(paymentIntent);
    expect(await purchaseEntries(db, account.id)).toHaveLength(1);
  });

  it('closes the order with no credit on async_payment_failed and on expiry', async () => {
    const account = await createTestAccount();
    const failing = await purchaseCredits(account, 100);
    const expiring = await purchaseCredits(account, 100);
    const amountTotal = toMinor(failing.amount_due);
    await postWebhook(checkoutSessionEvent('checkout.session.completed', { purchaseId: failing.purchase_id, amountTotal, paymentStatus: 'unpaid' }));
    await postWebhook(checkoutSessionEvent('checkout.session.async_payment_failed', { purchaseId: failing.purchase_id, amountTotal }));
    await postWebhook(checkoutSessionEvent('checkout.session.expired', { purchaseId: expiring.purchase_id, amountTotal, paymentIntent: null }));
    expect((await waitForOrder(db, failing.purchase_id)).status).toBe('failed');
    expect((await waitForOrder(db, expiring.purchase_id)).status).toBe('expired');
    expect(await purchaseEntries(db, account.id)).toHaveLength(0);
    expect(await creditsBalance(db, account.id)).toBe(100n * MICRO);
  });

  it.each([
    ['amount', { amountTotal: 1 }, /amount mismatch/],
    ['currency', { currency: 'eur' }, /currency mismatch/],
    ['payment status', { paymentStatus: 'no_payment_required' as const }, /payment_status/],
  ])('flags the order for review and credits nothing on a %s mismatch', async (_what, override, reason) => {
    const account = await createTestAccount();
    const purchase = await purchaseCredits(account, 1000);
    const event = checkoutSessionEvent('checkout.session.completed', { purchaseId: purchase.purchase_id, amountTotal: toMinor(purchase.amount_due), ...override });
    await postWebhook(event);
    const order = await waitForOrder(db, purchase.purchase_id);
    expect(order.status).toBe('review');
    expect(order.review_reason).toMatch(reason);
    expect(BigInt(order.credits_added)).toBe(0n);
    expect(await purchaseEntries(db, account.id)).toHaveLength(0);
    expect(await creditsBalance(db, account.id)).toBe(100n * MICRO);
    const view = await getPurchase(account, purchase.purchase_id);
    expect(view.body).toMatchObject({ status: 'review', credits_added: 0 });
  });

  it('records an event for an unknown purchase without crediting or crashing', async () => {
    const ledgerBefore = await db('ledger_entries').count({ n: '*' }).first();
    const event = checkoutSessionEvent('checkout.session.completed', { purchaseId: 'pur_doesnotexist0000000', amountTotal: 1000 });
    const response = await postWebhook(event);
    expect(response.status).toBe(200);
    const row = await waitForInbox(db, event.id);
    expect(row).toMatchObject({ type: 'checkout.session.completed', outcome: 'unknown_purchase', purchase_id: 'pur_doesnotexist0000000' });
    expect(await db('ledger_entries').count({ n: '*' }).first()).toEqual(ledgerBefore);
    expect((await api('GET', '/healthz')).status).toBe(200);
  });

  it('settles a package purchase (seed 004) with the package’s credits and price', async () => {
    const account = await createTestAccount();
    const created = await api('POST', '/v1/credits/purchase', { key: account.apiKey, body: { package_id: 'pro' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ credits: 10_000, amount_due: 90, currency: 'usd', package_id: 'pro', status: 'pending' });
    await postWebhook(checkoutSessionEvent('checkout.session.completed', { purchaseId: created.body.purchase_id, amountTotal: 9000 }));
    await waitForOrder(db, created.body.purchase_id, 'fulfilled');
    const [entry] = await purchaseEntries(db, account.id);
    expect(entry).toMatchObject({ description: 'Pro package purchase', amount: String(10_000n * MICRO) });
  });
});

describe('manual settlement (seed 003)', () => {
  it('credits a manual payment order once it is marked paid, and only once', async () => {
    const account = await createTestAccount();
    const created = await api('POST', '/v1/admin/payment-orders', {
      key: 'admin',
      body: { account_id: account.id, credits: 20000, reference: 'PO-7731' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ account_id: account.id, source: 'manual', status: 'pending', credits: 20000, amount_due: 200, currency: 'usd', reference: 'PO-7731' });
    const id = created.body.purchase_id;
    expect((await orderRow(db, id)).checkout_url).toBeNull();

    const paid = await api('POST', `/v1/admin/payment-orders/${id}/mark-paid`, { key: 'admin', body: { reference: 'WIRE-2026-11-0042' } });
    expect(paid.status).toBe(202);
    expect(paid.body).toEqual({ purchase_id: id, workflow_id: `checkout:${id}`, status: 'pending' });
    const order = await waitForOrder(db, id, 'fulfilled');
    expect(order).toMatchObject({ payment_reference: 'WIRE-2026-11-0042', paid_event_id: `manual:${id}` });
    expect(await creditsBalance(db, account.id)).toBe(20100n * MICRO);

    const again = await api('POST', `/v1/admin/payment-orders/${id}/mark-paid`, { key: 'admin', body: { reference: 'WIRE-2026-11-0042' } });
    expect(again.status).toBe(409);
    expect(await purchaseEntries(db, account.id)).toHaveLength(1);
    const view = await getPurchase(account, id);
    expect(view.body).toMatchObject({ status: 'fulfilled', source: 'manual', credits_added: 20000 });
    await expectLedgerInvariants(db, account.id);
  });

  it('sends a manual order paid with a different amount to review', async () => {
    const account = await createTestAccount();
    const created = await api('POST', '/v1/admin/payment-orders', { key: 'admin', body: { account_id: account.id, package_id: 'teams' } });
    expect(created.body).toMatchObject({ credits: 50_000, amount_due: 400 });
    await api('POST', `/v1/admin/payment-orders/${created.body.purchase_id}/mark-paid`, { key: 'admin', body: { reference: 'W-1', amount: 350 } });
    const order = await waitForOrder(db, created.body.purchase_id);
    expect(order.status).toBe('review');
    expect(await purchaseEntries(db, account.id)).toHaveLength(0);
  });

  it.each([
    [{ credits: 100 }, 'account_id'],
    [{ account_id: 'acct_nope', credits: 100 }, 'account_id'],
    [{ account_id: 'ACCOUNT', credits: 100 }, 'account_id'],
    [{ account_id: 'acct_x', credits: 5 }, 'credits'],
    [{ account_id: 'acct_x' }, 'credits'],
    [{ account_id: 'acct_x', credits: 100, package_id: 'pro' }, 'credits'],
    [{ account_id: 'acct_x', package_id: 'gold' }, 'package_id'],
    [{ account_id: 'acct_x', credits: 100, amount: 1.005 }, 'amount'],
    [{ account_id: 'acct_x', credits: 100, currency: 'EUR' }, 'currency'],
  ])('rejects a manual order %o naming %s, writing nothing', async (body, field) => {
    const existing = await createTestAccount();
    const concrete = JSON.parse(JSON.stringify(body).replace('acct_x', existing.id));
    const before = await db('payment_orders').count({ n: '*' }).first();
    const response = await api('POST', '/v1/admin/payment-orders', { key: 'admin', body: concrete });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'validation_failed', details: { field } });
    expect(await db('payment_orders').count({ n: '*' }).first()).toEqual(before);
  });

  it('refuses to mark a Checkout order paid by hand', async () => {
    const account = await createTestAccount();
    const purchase = await purchaseCredits(account, 100);
    const response = await api('POST', `/v1/admin/payment-orders/${purchase.purchase_id}/mark-paid`, { key: 'admin', body: { reference: 'x' } });
    expect(response.status).toBe(409);
    expect((await api('POST', '/v1/admin/payment-orders/pur_nope/mark-paid', { key: 'admin', body: { reference: 'x' } })).status).toBe(404);
  });
});
