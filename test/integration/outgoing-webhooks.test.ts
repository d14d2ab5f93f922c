import { Webhook } from 'standardwebhooks';
import { debitPlain } from '../../src/credits/credits.service';
import { createEndpoint } from '../../src/outgoing-webhooks/endpoints.service';
import { recordEvent } from '../../src/outgoing-webhooks/record-event';
import { api, expectErrorBody } from '../helpers/api';
import { testDb } from '../helpers/db';
import { testConfig } from '../helpers/payout-harness';
import { chargeRefundedEvent, checkoutSessionEvent, newPaymentIntentId, postWebhook } from '../helpers/stripe-events';
import { createTestAccount, purchaseCredits, toMinor, waitFor, waitForOrder } from '../helpers/stripe-checkout';
import { settle } from '../helpers/settle-cli';
import { WebhookReceiver } from '../helpers/webhook-receiver';
import { newAccount, type TestAccount } from '../factories/accounts';

const db = testDb();
const receivers: WebhookReceiver[] = [];
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await db.destroy();
});

async function receiver(): Promise<WebhookReceiver> {
  const started = await WebhookReceiver.start();
  receivers.push(started);
  return started;
}

async function endpointFor(account: TestAccount, target: WebhookReceiver, body: Record<string, unknown> = {}) {
  const created = await api('POST', '/v1/webhook-endpoints', { key: account.key, body: { url: target.url, ...body } });
  expect(created.status).toBe(201);
  target.secrets = [created.body.secret];
  return created.body as { id: string; secret: string };
}

const deliveryRows = (endpointId: string) => db('webhook_deliveries').where({ endpoint_id: endpointId }).orderBy('created_at');
/** A debit through the API's debit path (the same settle_debit_batch call as metered usage). */
const spend = (account: TestAccount, credits: number) => api('POST', '/v1/credits/debit', { key: account.key, body: { amount: credits } });
const eventsOf = (accountId: string) => db('events').where({ account_id: accountId }).orderBy('created_at');
const period = () => new Date().toISOString().slice(0, 7);

describe('outgoing webhooks (real receivers, verified with the standardwebhooks package)', () => {
  it('a threshold crossing reaches the endpoint signed per Standard Webhooks, with the contract’s body; the endpoint API never shows the secret again', async () => {
    const account = await newAccount('free');
    const target = await receiver();
    const endpoint = await endpointFor(account, target, { events: ['credits.threshold_reached'], description: 'ops alerts' });
    expect(endpoint).toMatchObject({ id: expect.stringMatching(/^we_/), url: target.url, events: ['credits.threshold_reached'], secret: expect.stringMatching(/^whsec_/), account_id: account.id, enabled: true });

    const shown = await api('GET', `/v1/webhook-endpoints/${endpoint.id}`, { key: account.key });
    expect(shown.status).toBe(200);
    expect(shown.body).not.toHaveProperty('secret');
    expect((await api('GET', '/v1/webhook-endpoints', { key: account.key })).body.data.map((e: any) => e.id)).toEqual([endpoint.id]);
    const stranger = await newAccount('free');
    expectErrorBody(await api('GET', `/v1/webhook-endpoints/${endpoint.id}`, { key: stranger.key }), 404, 'not_found');

    expect((await spend(account, 60)).status).toBe(201);
    await waitFor('the threshold event', async () => target.received.length >= 1);
    const [got] = target.received;
    expect(got!.verified).toBe(true);
    expect(got!.body).toEqual({
      id: got!.id,
      type: 'credits.threshold_reached',
      created_at: expect.any(String),
      account_id: account.id,
      data: { threshold_percent: 50, period: period(), used_credits: 60, included_credits: 100, balance: 40 },
    });
    expect(got!.id).toMatch(/^evt_/);
    expect(Math.abs(Number(got!.timestamp) - Date.now() / 1000)).toBeLessThan(60);

    const log = await waitFor('delivered', async () => {
      const response = await api('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries?status=delivered`, { key: account.key });
      return response.body.data.length === 1 && response.body;
    });
    expect(log.data[0]).toMatchObject({ event_id: got!.id, type: 'credits.threshold_reached', status: 'delivered', attempts: 1, last_status_code: 200, last_error: null, next_attempt_at: null });
    // filtered: the low-balance floor is off by default, and nothing else was sent
    expect(target.received).toHaveLength(1);
  });

  it('100 concurrent debits crossing thresholds: exactly one event per threshold, one low-balance, one exhausted for the period', async () => {
    const account = await newAccount('free');
    expect((await api('PUT', '/v1/billing/alerts', { key: account.key, body: { thresholds_percent: [80, 25, 50, 100], low_balance_credits: 10 } })).body)
      .toEqual({ thresholds_percent: [25, 50, 80, 100], low_balance_credits: 10, updated_at: expect.any(String) });
    const target = await receiver();
    await endpointFor(account, target);

    const responses = await Promise.all(Array.from({ length: 100 }, () => spend(account, 1)));
    expect(responses.map((r) => r.status)).toEqual(Array(100).fill(201));
    expect((await spend(account, 1)).status).toBe(402);
    expect((await spend(account, 1)).status).toBe(402);

    const events = await eventsOf(account.id);
    const thresholds = events.filter((e) => e.type === 'credits.threshold_reached');
    expect(thresholds.map((e) => e.payload.threshold_percent).sort((a: number, b: number) => a - b)).toEqual([25, 50, 80, 100]);
    expect(thresholds.find((e) => e.payload.threshold_percent === 80)!.payload).toEqual({ threshold_percent: 80, period: period(), used_credits: 80, included_credits: 100, balance: 20 });
    expect(events.filter((e) => e.type === 'credits.low_balance').map((e) => e.payload)).toEqual([{ period: period(), balance: 9, low_balance_credits: 10 }]);
    expect(events.filter((e) => e.type === 'credits.exhausted').map((e) => e.payload)).toEqual([{ period: period(), credits_required: 1, credits_available: 0 }]);
    expect(events).toHaveLength(6);

    await waitFor('six deliveries', async () => target.received.length >= 6);
    expect(target.received.every((r) => r.verified)).toBe(true);
    expect(new Set(target.received.map((r) => r.id)).size).toBe(6);
  });

  it('low balance is re-armed when the balance goes back above the floor', async () => {
    const account = await newAccount('free');
    await api('PUT', '/v1/billing/alerts', { key: account.key, body: { thresholds_percent: [], low_balance_credits: 50 } });
    for (let i = 0; i < 3; i++) expect((await spend(account, 30)).status).toBe(201); // 100 → 70 → 40 (crossing) → 10
    expect((await api('POST', '/v1/admin/credits/deposit', { key: 'admin', body: { account_id: account.id, amount: 100 } })).status).toBe(201);
    expect((await spend(account, 30)).status).toBe(201); // 110 → 80
    expect((await spend(account, 30)).status).toBe(201); // 80 → 50 (not below)
    expect((await spend(account, 30)).status).toBe(201); // 50 → 20 (crossing again)
    const lows = (await eventsOf(account.id)).filter((e) => e.type === 'credits.low_balance');
    expect(lows.map((e) => e.payload.balance)).toEqual([40, 20]);
  });

  it('a receiver failing 3 times (500, a redirect, 503) then answering 200: delivered once, 4 attempts logged, backoff between them, redirect not followed', async () => {
    const account = await newAccount('free');
    const target = await receiver();
    const elsewhere = await receiver();
    const endpoint = await endpointFor(account, target);
    target.replies.push(500, { status: 302, headers: { location: elsewhere.url } }, 503);
    await recordEvent(db, { type: 'purchase.fulfilled', accountId: account.id, data: { purchase_id: 'pur_test', credits: 5 } });

    const expectedDelays = [5_000, 25_000, 120_000];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const row = await waitFor(`attempt ${attempt} failed`, async () => {
        const logged = await db('webhook_delivery_attempts as a').join('webhook_deliveries as d', 'd.id', 'a.delivery_id').where({ 'd.endpoint_id': endpoint.id, 'a.attempt': attempt }).first('a.*');
        const [delivery] = logged ? await deliveryRows(endpoint.id) : []; // read after the attempt's result was committed
        return delivery && delivery.attempts === attempt && delivery.status === 'pending' && { delivery, logged };
      });
      const delay = new Date(row.delivery.next_attempt_at).getTime() - new Date(row.logged.created_at).getTime();
      expect(delay).toBeGreaterThanOrEqual(expectedDelays[attempt - 1]! * 0.8 - 1000);
      expect(delay).toBeLessThanOrEqual(expectedDelays[attempt - 1]! * 1.2 + 1000);
      // the clock moves on to the retry time
      await db('webhook_deliveries').where({ id: row.delivery.id, attempts: attempt }).update({ next_attempt_at: db.fn.now() });
    }
    const [delivered] = await waitFor('delivered', async () => {
      const rows = await deliveryRows(endpoint.id);
      return rows[0]?.status === 'delivered' && rows;
    });
    expect(delivered).toMatchObject({ attempts: 4, last_status_code: 200, last_error: null });
    const log = await db('webhook_delivery_attempts').where({ delivery_id: delivered.id }).orderBy('attempt');
    expect(log.map((a) => [a.attempt, a.status_code])).toEqual([[1, 500], [2, 302], [3, 503], [4, 200]]);
    expect(log[0].error).toBe('receiver answered 500');
    expect(target.received).toHaveLength(4);
    expect(new Set(target.received.map((r) => r.id)).size).toBe(1);
    expect(target.received.every((r) => r.verified)).toBe(true);
    expect(elsewhere.received).toHaveLength(0);
  });

  it('410 Gone disables the endpoint; enabled again, it receives new events, and a redelivery carries the same webhook-id', async () => {
    const account = await newAccount('free');
    const target = await receiver();
    const endpoint = await endpointFor(account, target);
    target.replies.push(410);
    await recordEvent(db, { type: 'invoice.paid', accountId: account.id, data: { invoice_id: 'inv_a' } });
    const failed = await waitFor('failed', async () => (await deliveryRows(endpoint.id)).find((d) => d.status === 'failed'));
    expect(failed).toMatchObject({ attempts: 1, last_status_code: 410 });
    const shown = (await api('GET', `/v1/webhook-endpoints/${endpoint.id}`, { key: account.key })).body;
    expect(shown).toMatchObject({ enabled: false, disabled_reason: 'the receiver answered 410 Gone' });

    await recordEvent(db, { type: 'invoice.paid', accountId: account.id, data: { invoice_id: 'inv_b' } });
    await waitFor('fanned out', async () => (await eventsOf(account.id)).every((e) => e.fanned_out_at));
    expect(await deliveryRows(endpoint.id)).toHaveLength(1);
    expectErrorBody(await api('POST', `/v1/webhook-deliveries/${failed.id}/redeliver`, { key: account.key }), 409, 'conflict');

    const enabled = await api('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { key: account.key, body: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null });
    const redelivered = await api('POST', `/v1/webhook-deliveries/${failed.id}/redeliver`, { key: account.key });
    expect(redelivered.status).toBe(200);
    await waitFor('redelivered', async () => target.received.length >= 2);
    expect(target.received[1]!.id).toBe(target.received[0]!.id);
    expect(target.received[1]!.body.data).toEqual({ invoice_id: 'inv_a' });
    await recordEvent(db, { type: 'invoice.paid', accountId: account.id, data: { invoice_id: 'inv_c' } });
    await waitFor('a new event after re-enabling', async () => target.received.some((r) => r.body.data.invoice_id === 'inv_c'));
    const failedList = await api('GET', '/v1/webhook-deliveries?status=failed', { key: 'admin' });
    expect(failedList.status).toBe(200);
  });

  it('finance ops: settle webhooks deliveries --status failed lists a failed delivery; settle webhooks redeliver sends it again', async () => {
    const account = await newAccount('free');
    const target = await receiver();
    const endpoint = await endpointFor(account, target);
    target.replies.push(410);
    await recordEvent(db, { type: 'invoice.finalized', accountId: account.id, data: { invoice_id: 'inv_cli' } });
    const failed = await waitFor('failed', async () => (await deliveryRows(endpoint.id)).find((d) => d.status === 'failed'));

    const listed = await settle('webhooks', 'deliveries', '--status', 'failed', '--endpoint', endpoint.id);
    expect(listed.code).toBe(0);
    expect(listed.out[0]).toMatch(/^ID\s+EVENT\s+TYPE/);
    expect(listed.out.join('\n')).toContain(failed.id);
    expect(listed.out.join('\n')).toContain('410');
    const refused = await settle('webhooks', 'redeliver', failed.id);
    expect(refused.code).not.toBe(0); // the endpoint is disabled until enabled again
    await api('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { key: 'admin', body: { enabled: true } });
    const redelivered = await settle('webhooks', 'redeliver', failed.id);
    expect([redelivered.code, redelivered.out]).toEqual([0, [`Redelivering ${failed.id} (event ${failed.event_id}, invoice.finalized) to ${endpoint.id}: pending`]]);
    await waitFor('delivered', async () => (await deliveryRows(endpoint.id))[0]?.status === 'delivered');
    expect(target.received.map((r) => r.id)).toEqual([failed.event_id, failed.event_id]);
  });

  it('secret rotation: for 24 hours both secrets sign, so a receiver holding either verifies; then only the new one', async () => {
    const account = await newAccount('free');
    const target = await receiver();
    const endpoint = await endpointFor(account, target);
    const rotated = await api('POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, { key: account.key });
    expect(rotated.status).toBe(200);
    const overlapEnd = new Date(rotated.body.previous_secret_expires_at).getTime();
    expect(Math.abs(overlapEnd - Date.now() - 24 * 3_600_000)).toBeLessThan(60_000);
    const [oldSecret, newSecret] = [endpoint.secret, rotated.body.secret as string];
    expect(newSecret).not.toBe(oldSecret);

    const verifiesWith = (secret: string, r: (typeof target.received)[number]) => {
      try {
        new Webhook(secret).verify(r.rawBody, { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature });
        return true;
      } catch {
        return false;
      }
    };
    await recordEvent(db, { type: 'subscription.updated', accountId: account.id, data: { n: 1 } });
    await waitFor('first', async () => target.received.length >= 1);
    expect([verifiesWith(oldSecret, target.received[0]!), verifiesWith(newSecret, target.received[0]!)]).toEqual([true, true]);

    await db('webhook_endpoints').where({ id: endpoint.id }).update({ previous_secret_expires_at: new Date(Date.now() - 1000) }); // the overlap is over
    await recordEvent(db, { type: 'subscription.updated', accountId: account.id, data: { n: 2 } });
    await waitFor('second', async () => target.received.length >= 2);
    expect([verifiesWith(oldSecret, target.received[1]!), verifiesWith(newSecret, target.received[1]!)]).toEqual([false, true]);
  });

  it('SSRF: production refuses private and loopback receivers unless WEBHOOK_ALLOW_PRIVATE=true; only http(s) URLs anywhere', async () => {
    const account = await newAccount('free');
    expectErrorBody(await api('POST', '/v1/webhook-endpoints', { key: account.key, body: { url: 'ftp://example.com/hooks' } }), 400, 'validation_failed');
    expectErrorBody(await api('POST', '/v1/webhook-endpoints', { key: account.key, body: { url: 'http://user:secret@127.0.0.1/hooks' } }), 400, 'validation_failed');
    expectErrorBody(await api('POST', '/v1/webhook-endpoints', { key: account.key, body: { url: 'http://127.0.0.1/x', events: ['no.such.event'] } }), 400, 'validation_failed');
    expectErrorBody(await api('POST', '/v1/webhook-endpoints', { key: account.key, body: { url: 'http://127.0.0.1/x', account_id: 'acct_other' } }), 400, 'validation_failed');

    const production = { ...testConfig(), mode: 'production' as const };
    const owner = { kind: 'account' as const, accountId: account.id };
    for (const url of ['http://127.0.0.1:9/hooks', 'http://localhost/hooks', 'http://10.0.0.5/hooks', 'http://169.254.169.254/latest', 'http://[::1]/hooks']) {
      await expect(createEndpoint({ db, config: production }, owner, { url, events: [], description: null, accountId: null })).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
    }
    const before = await db('webhook_endpoints').where({ account_id: account.id }).count();
    expect(before).toEqual([{ count: '0' }]);
    const publicIp = await createEndpoint({ db, config: production }, owner, { url: 'http://93.184.216.34/hooks', events: [], description: null, accountId: null });
    const allowed = await createEndpoint({ db, config: { ...production, WEBHOOK_ALLOW_PRIVATE: true } }, owner, { url: 'http://127.0.0.1:9/hooks', events: [], description: null, accountId: null });
    for (const id of [publicIp.id, allowed.id]) expect((await api('DELETE', `/v1/webhook-endpoints/${id}`, { key: account.key })).body).toEqual({ id, deleted: true });
  });

  it('outbox atomicity: a debit whose transaction rolls back emits nothing; the same debit committed emits its event', async () => {
    const account = await newAccount('free');
    const debit = (trx: typeof db) => debitPlain(trx, { accountId: account.id, unit: 'credits', amount: 60_000_000n, description: null, key: 'atomic-1', requestHash: 'h1' });
    await expect(
      db.transaction(async (trx) => {
        await debit(trx);
        expect(await trx('events').where({ account_id: account.id }).count()).toEqual([{ count: '1' }]); // written with the debit …
        throw new Error('the caller fails after the debit');
      }),
    ).rejects.toThrow('the caller fails after the debit');
    expect(await eventsOf(account.id)).toEqual([]); // … and gone with it
    expect(await db('ledger_entries').where({ account_id: account.id, idempotency_key: 'atomic-1' })).toEqual([]);

    await db.transaction(async (trx) => {
      await debit(trx);
    });
    expect((await eventsOf(account.id)).map((e) => [e.type, e.payload.threshold_percent])).toEqual([['credits.threshold_reached', 50]]);
  });

  it('an endpoint that hangs does not hold up a healthy one', async () => {
    const [slow, fast] = [await newAccount('free'), await newAccount('free')];
    const [dead, healthy] = [await receiver(), await receiver()];
    const deadEndpoint = await endpointFor(slow, dead);
    await endpointFor(fast, healthy);
    dead.replies.push(...Array<'hang'>(40).fill('hang'));
    for (let i = 0; i < 40; i++) await recordEvent(db, { type: 'purchase.fulfilled', accountId: slow.id, data: { i } });
    await waitFor('the dead endpoint is being tried', async () => dead.pendingReplies > 0);
    for (let i = 0; i < 10; i++) await recordEvent(db, { type: 'purchase.fulfilled', accountId: fast.id, data: { i } });
    await waitFor('the healthy endpoint got everything', async () => healthy.received.length >= 10);
    expect(dead.pendingReplies).toBeGreaterThan(0); // still hanging while the healthy ones went through
    expect(dead.pendingReplies).toBeLessThanOrEqual(16); // it holds only its own slots
    await api('DELETE', `/v1/webhook-endpoints/${deadEndpoint.id}`, { key: slow.key });
  });

  it('domain events: a purchase paid through a signed Stripe event sends purchase.fulfilled; one paid the wrong amount, purchase.review', async () => {
    const account = await createTestAccount('Webhook Purchases', 'free');
    const target = await receiver();
    await endpointFor({ id: account.id, key: account.apiKey }, target, { events: ['purchase.fulfilled', 'purchase.review'] });
    const good = await purchaseCredits(account, 500);
    await postWebhook(checkoutSessionEvent('checkout.session.completed', { purchaseId: good.purchase_id, amountTotal: toMinor(good.amount_due), paymentIntent: newPaymentIntentId() }));
    await waitForOrder(db, good.purchase_id, 'fulfilled');
    const odd = await purchaseCredits(account, 500);
    await postWebhook(checkoutSessionEvent('checkout.session.completed', { purchaseId: odd.purchase_id, amountTotal: toMinor(odd.amount_due) - 1, paymentIntent: newPaymentIntentId() }));
    await waitForOrder(db, odd.purchase_id, 'review');

    await waitFor('both events', async () => target.received.length >= 2);
    const fulfilled = target.ofType('purchase.fulfilled');
    expect(fulfilled.map((r) => r.body.data)).toEqual([{ purchase_id: good.purchase_id, credits: 500, ledger_entry_id: expect.stringMatching(/^txn_/), balance: 600 }]);
    expect(target.ofType('purchase.review').map((r) => r.body.data.purchase_id)).toEqual([odd.purchase_id]);
    expect(target.received.every((r) => r.verified && r.body.account_id === account.id)).toBe(true);

    // the purchase's invoice is finalized by its workflow; a full refund through Stripe's signed event
    const finalized = await waitFor('invoice.finalized', async () => (await eventsOf(account.id)).find((e) => e.type === 'invoice.finalized'));
    expect(finalized.payload).toMatchObject({ invoice_id: expect.stringMatching(/^inv_/), number: expect.any(String), kind: 'invoice', currency: good.currency });
    const paymentIntent = (await db('payment_orders').where({ id: good.purchase_id }).first()).stripe_payment_intent as string;
    const requested = await api('POST', `/v1/admin/purchases/${good.purchase_id}/refund`, { key: 'admin' });
    const amount = toMinor(good.amount_due);
    await postWebhook(chargeRefundedEvent({ paymentIntent, amount, refunds: [{ amount, metadata: { refund_id: requested.body.refund_id, purchase_id: good.purchase_id } }] }));
    const refunded = await waitFor('purchase.refunded', async () => (await eventsOf(account.id)).find((e) => e.type === 'purchase.refunded'), 30_000);
    expect(refunded.payload).toMatchObject({ purchase_id: good.purchase_id, refund_id: requested.body.refund_id, amount: good.amount_due, fully_refunded: true });
  });

  it('an admin key sees every endpoint and may create a global one that receives every account’s events', async () => {
    const account = await newAccount('free');
    const target = await receiver();
    const created = await api('POST', '/v1/webhook-endpoints', { key: 'admin', body: { url: target.url, events: ['payout.failed'] } });
    expect(created.body.account_id).toBeNull();
    target.secrets = [created.body.secret];
    try {
      await recordEvent(db, { type: 'payout.failed', accountId: account.id, data: { payout_id: 'po_x' } });
      await waitFor('global delivery', async () => target.received.some((r) => r.body.account_id === account.id));
      expect(target.received.every((r) => r.verified && r.body.type === 'payout.failed')).toBe(true);
      const all = await api('GET', '/v1/webhook-endpoints', { key: 'admin' });
      expect(all.body.data.map((e: any) => e.id)).toContain(created.body.id);
      expect((await api('GET', '/v1/webhook-endpoints', { key: account.key })).body.data).toEqual([]);
    } finally {
      await api('DELETE', `/v1/webhook-endpoints/${created.body.id}`, { key: 'admin' });
    }
  });
});
