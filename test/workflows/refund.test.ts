import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { debit } from '../../src/credits/debit-batcher';
import { newId } from '../../src/shared/ids';
import { chargeRefundedEvent, checkoutSessionEvent, newPaymentIntentId, postWebhook } from '../helpers/stripe-events';
import {
  createTestAccount,
  creditsBalance,
  expectLedgerInvariants,
  orderRow,
  purchaseCredits,
  toMinor,
  waitFor,
  waitForInbox,
  waitForOrder,
  type TestAccount,
} from '../helpers/stripe-checkout';

const db = testDb();
afterAll(() => db.destroy());

const MICRO = 1_000_000n;

/** Buys `credits` through a signed checkout.session.completed and waits for the credit. */
async function paidPurchase(account: TestAccount, credits: number) {
  const purchase = await purchaseCredits(account, credits);
  const paymentIntent = newPaymentIntentId();
  await postWebhook(checkoutSessionEvent('checkout.session.completed', { purchaseId: purchase.purchase_id, amountTotal: toMinor(purchase.amount_due), paymentIntent }));
  await waitForOrder(db, purchase.purchase_id, 'fulfilled');
  return { ...purchase, paymentIntent, amountMinor: toMinor(purchase.amount_due) };
}

/** Spends credits through the real debit hot path (settle_debit): included credits burn first. */
async function spend(accountId: string, credits: bigint) {
  const outcome = await debit(db, {
    accountId,
    unit: 'credits',
    amount: credits * MICRO,
    idempotencyKey: `test-spend:${newId('txn')}`,
    requestHash: 'test',
    type: 'debit',
    description: 'test spend',
    reference: null,
    at: new Date(),
    entryId: newId('txn'),
    agent: null,
    usage: null,
    lines: null,
    accruals: null,
  });
  expect(outcome.kind).toBe('ok');
}

const waitForRefund = (id: string, status = 'applied') =>
  waitFor(`refund ${id} ${status}`, async () => {
    const row = await db('refunds').where({ id }).first();
    return row?.status === status ? row : null;
  });

describe('refunds: admin request → Stripe → signed charge.refunded → clawback', () => {
  it('claws back the unspent credits after partial spending and records the spent part', async () => {
    const account = await createTestAccount();
    const purchase = await paidPurchase(account, 1000);
    await spend(account.id, 400n); // 100 included + 300 of the purchased grant
    expect(await creditsBalance(db, account.id)).toBe(700n * MICRO);

    const requested = await api('POST', `/v1/admin/purchases/${purchase.purchase_id}/refund`, { key: 'admin' });
    expect(requested.status).toBe(202);
    expect(requested.body).toMatchObject({ purchase_id: purchase.purchase_id, status: 'submitted', amount: 10, currency: 'usd' });
    expect(requested.body.stripe_refund_id).toMatch(/^re_/);
    // nothing moves until the signed webhook confirms the refund
    expect(await creditsBalance(db, account.id)).toBe(700n * MICRO);

    const refundId: string = requested.body.refund_id;
    const event = chargeRefundedEvent({
      paymentIntent: purchase.paymentIntent,
      amount: purchase.amountMinor,
      refunds: [{ amount: purchase.amountMinor, metadata: { refund_id: refundId, purchase_id: purchase.purchase_id } }],
    });
    expect((await postWebhook(event)).status).toBe(200);
    const refund = await waitForRefund(refundId);
    expect(refund).toMatchObject({ origin: 'admin', amount_minor: '1000', credits_entitled: String(1000n * MICRO), credits_clawed_back: String(700n * MICRO), credits_unrecoverable: String(300n * MICRO) });
    expect((await waitForInbox(db, event.id)).outcome).toBe(`${refundId}:refund_started`);

    const entry = await db('ledger_entries').where({ id: refund.ledger_entry_id }).first();
    expect(entry).toMatchObject({ type: 'refund', amount: String(-700n * MICRO), idempotency_key: `refund:${refundId}`, reference: purchase.purchase_id });
    expect(entry.description).toBe(`Refund ${refundId} of purchase ${purchase.purchase_id}: 700 credits clawed back; 300 credits already spent, not recoverable`);
    expect(await creditsBalance(db, account.id)).toBe(0n);
    const order = await waitForOrder(db, purchase.purchase_id, 'refunded');
    expect(order).toMatchObject({ amount_refunded_minor: '1000', credits_clawed_back: String(700n * MICRO) });
    await expectLedgerInvariants(db, account.id);

    const workflow = await waitFor('refund workflow completed', async () => {
      const view = await api('GET', `/v1/admin/workflows/${encodeURIComponent(`refund:${refundId}`)}`, { key: 'admin' });
      return view.body.status === 'COMPLETED' ? view : null;
    });
    expect(workflow.body).toMatchObject({ type: 'refund', status: 'COMPLETED', state: { step: 'done', outcome: { kind: 'applied' } } });

    // the same refund delivered again (a new event naming it) is never applied twice
    const again = chargeRefundedEvent({
      paymentIntent: purchase.paymentIntent,
      amount: purchase.amountMinor,
      chargeId: event.data.object.id,
      refunds: [{ id: event.data.object.refunds.data[0]!.id, amount: purchase.amountMinor, metadata: { refund_id: refundId, purchase_id: purchase.purchase_id } }],
    });
    await postWebhook(again);
    expect((await waitForInbox(db, again.id)).outcome).toBe(`${refundId}:already_applied`);
    expect(await db('ledger_entries').where({ account_id: account.id, type: 'refund' })).toHaveLength(1);
    expect(await creditsBalance(db, account.id)).toBe(0n);

    const view = await api('GET', `/v1/billing/credits/purchases/${purchase.purchase_id}`, { key: account.apiKey });
    expect(view.body).toMatchObject({ status: 'refunded', amount_refunded: 10, credits_clawed_back: 700 });
    const listed = await api('GET', `/v1/admin/purchases/${purchase.purchase_id}/refunds`, { key: 'admin' });
    expect(listed.body.data).toEqual([expect.objectContaining({ refund_id: refundId, status: 'applied', credits_clawed_back: 700, credits_unrecoverable: 300 })]);
  });

  it('applies partial refunds made in Stripe pro rata, capped at what the grant still holds', async () => {
    const account = await createTestAccount();
    const purchase = await paidPurchase(account, 1000);
    await spend(account.id, 400n); // purchased grant: 700 left
    const first = { id: `re_test_first_${Date.now()}`, amount: 300 }; // 30 % → 300 credits
    const second = { id: `re_test_second_${Date.now()}`, amount: 700 }; // 70 % → 700 credits, 400 left
    const chargeId = `ch_test_partial_${Date.now()}`;
    const event1 = chargeRefundedEvent({ chargeId, paymentIntent: purchase.paymentIntent, amount: 1000, refunds: [first] });
    await postWebhook(event1);
    await waitForInbox(db, event1.id);
    const [r1] = await db('refunds').where({ purchase_id: purchase.purchase_id });
    await waitForRefund(r1.id);
    expect(await creditsBalance(db, account.id)).toBe(400n * MICRO);
    expect((await orderRow(db, purchase.purchase_id)).status).toBe('fulfilled');

    // Stripe's next event lists both refunds of the charge; the first is already applied
    const event2 = chargeRefundedEvent({ chargeId, paymentIntent: purchase.paymentIntent, amount: 1000, refunds: [first, second] });
    await postWebhook(event2);
    const outcome = (await waitForInbox(db, event2.id)).outcome as string;
    expect(outcome).toContain(`${r1.id}:already_applied`);
    const rows = await db('refunds').where({ purchase_id: purchase.purchase_id }).orderBy('created_at');
    expect(rows).toHaveLength(2);
    const r2 = await waitForRefund(rows[1].id);
    expect(r1).toMatchObject({ origin: 'stripe', stripe_refund_id: first.id });
    expect((await db('refunds').where({ id: r1.id }).first()).credits_clawed_back).toBe(String(300n * MICRO));
    expect(r2).toMatchObject({ credits_entitled: String(700n * MICRO), credits_clawed_back: String(400n * MICRO), credits_unrecoverable: String(300n * MICRO) });
    expect(await creditsBalance(db, account.id)).toBe(0n);
    expect((await orderRow(db, purchase.purchase_id)).status).toBe('refunded');
    expect(await db('ledger_entries').where({ account_id: account.id, type: 'refund' })).toHaveLength(2);
    await expectLedgerInvariants(db, account.id);
  });

  it('never claws back another account’s credits and leaves a grant with no balance at zero', async () => {
    const account = await createTestAccount();
    const bystander = await createTestAccount();
    const purchase = await paidPurchase(account, 100);
    const bystanderPurchase = await paidPurchase(bystander, 100);
    const bystanderBefore = await creditsBalance(db, bystander.id);
    await spend(account.id, 200n); // everything: 100 included + 100 purchased
    // metadata naming another purchase than the refunded charge's does not redirect the clawback
    const misnamed = { purchase_id: bystanderPurchase.purchase_id };
    await postWebhook(chargeRefundedEvent({ paymentIntent: purchase.paymentIntent, amount: 100, refunds: [{ amount: 100, metadata: misnamed }] }));
    const [row] = await waitFor('refund row', async () => {
      const rows = await db('refunds').where({ purchase_id: purchase.purchase_id, status: 'applied' });
      return rows.length ? rows : null;
    });
    expect(row).toMatchObject({ credits_clawed_back: '0', credits_unrecoverable: String(100n * MICRO), ledger_entry_id: null });
    expect(await creditsBalance(db, account.id)).toBe(0n);
    expect(await creditsBalance(db, bystander.id)).toBe(bystanderBefore);
    expect(await db('refunds').where({ purchase_id: bystanderPurchase.purchase_id })).toHaveLength(0);
    await expectLedgerInvariants(db, account.id);
    await expectLedgerInvariants(db, bystander.id);
  });
});

describe('POST /v1/admin/purchases/:id/refund: validation', () => {
  it('refuses what cannot be refunded, writing nothing', async () => {
    const account = await createTestAccount();
    const purchase = await paidPurchase(account, 1000);
    const count = async () => Number((await db('refunds').count({ n: '*' }).first())!.n);
    const before = await count();
    const tooMuch = await api('POST', `/v1/admin/purchases/${purchase.purchase_id}/refund`, { key: 'admin', body: { amount: 10.01 } });
    expectErrorBody(tooMuch, 400, 'validation_failed');
    expect(tooMuch.body.error.details.field).toBe('amount');
    expectErrorBody(await api('POST', `/v1/admin/purchases/${purchase.purchase_id}/refund`, { key: 'admin', body: { amount: 1.001 } }), 400, 'validation_failed');
    expectErrorBody(await api('POST', `/v1/admin/purchases/${purchase.purchase_id}/refund`, { key: 'admin', body: { amount: -1 } }), 400, 'validation_failed');
    expectErrorBody(await api('POST', '/v1/admin/purchases/pur_nope/refund', { key: 'admin' }), 404, 'not_found');
    const unpaid = await purchaseCredits(account, 100);
    expectErrorBody(await api('POST', `/v1/admin/purchases/${unpaid.purchase_id}/refund`, { key: 'admin' }), 409, 'conflict');
    expectErrorBody(await api('POST', `/v1/admin/purchases/${purchase.purchase_id}/refund`, { key: account.apiKey }), 403, 'forbidden');
    expect(await count()).toBe(before);

    // a partial refund leaves the rest refundable; the same Idempotency-Key replays it
    const headers = { 'idempotency-key': 'refund-part-1' };
    const part = await api('POST', `/v1/admin/purchases/${purchase.purchase_id}/refund`, { key: 'admin', body: { amount: 4 }, headers });
    expect(part.status).toBe(202);
    const replay = await api('POST', `/v1/admin/purchases/${purchase.purchase_id}/refund`, { key: 'admin', body: { amount: 4 }, headers });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.refund_id).toBe(part.body.refund_id);
    expectErrorBody(await api('POST', `/v1/admin/purchases/${purchase.purchase_id}/refund`, { key: 'admin', body: { amount: 5 }, headers }), 409, 'idempotency_conflict');
    const rest = await api('POST', `/v1/admin/purchases/${purchase.purchase_id}/refund`, { key: 'admin', body: { amount: 6.01 } });
    expectErrorBody(rest, 400, 'validation_failed');
    expect(rest.body.error.details.refundable).toBe(6);
    expect(await count()).toBe(before + 1);
  });

  it('refuses a refund of a manual payment order (settled outside Stripe)', async () => {
    const account = await createTestAccount();
    const created = await api('POST', '/v1/admin/payment-orders', { key: 'admin', body: { account_id: account.id, credits: 100 } });
    await api('POST', `/v1/admin/payment-orders/${created.body.purchase_id}/mark-paid`, { key: 'admin', body: { reference: 'W-9' } });
    await waitForOrder(db, created.body.purchase_id, 'fulfilled');
    expectErrorBody(await api('POST', `/v1/admin/purchases/${created.body.purchase_id}/refund`, { key: 'admin' }), 409, 'conflict');
  });
});
