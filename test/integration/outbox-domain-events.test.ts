import crypto from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '../../src/config/config';
import { markPayoutFailed } from '../../src/payouts/send-transfer';
import { recordEvent } from '../../src/outgoing-webhooks/record-event';
import { startEventRetentionSweep } from '../../src/outgoing-webhooks/retention-sweep';
import { recordStripeInvoice } from '../../src/subscriptions/collection.service';
import { parseStripeInvoice } from '../../src/subscriptions/stripe-invoice';
import { monthEndClose } from '../../workflows/month-end-close.workflow';
import { publisherPayout } from '../../workflows/publisher-payout.workflow';
import { payoutWorkflowId } from '../../src/payouts/payout-keys';
import { api } from '../helpers/api';
import { accountIn, privatePeriod, startCloseWorld, useAt, type CloseWorld } from '../helpers/close-world';
import { testDb } from '../helpers/db';
import { makeAccount, makePublisher, makeTool, monthStart, periodOf, planOne, startPayoutApi, startPayoutWorld, useTools, type PayoutWorld } from '../helpers/payout-harness';
import { postWebhook } from '../helpers/stripe-events';
import { createTestAccount, waitFor } from '../helpers/stripe-checkout';
import { STRIPE_ERRORS } from '../helpers/stripe-fault-proxy';
import { subscriptionEvent } from '../helpers/stripe-subscription-events';
import { deliver, subscribeViaEvents } from '../helpers/subscriptions';
import { WebhookReceiver } from '../helpers/webhook-receiver';
import { newTool } from '../factories/accounts';

/**
 * The domain events of the outbox, written by the real flows: a month-end close (period.closed,
 * close.completed, close.failed), Stripe's invoice paying the period invoice (invoice.paid),
 * signed subscription events (subscription.updated), payouts (payout.paid, payout.failed). Each
 * flow writes exactly one event, which a global endpoint receives with the contract's body; the
 * same trigger again (a re-run, a replayed Stripe event, a retried step) writes no second one.
 * Then the retention sweep of finished events.
 */
const db = testDb();
let closeWorld: CloseWorld;
let payoutWorld: PayoutWorld;
let target: WebhookReceiver;
let globalEndpointId: string;

const DOMAIN_TYPES = ['invoice.paid', 'subscription.updated', 'period.closed', 'payout.paid', 'payout.failed', 'close.completed', 'close.failed'];

beforeAll(async () => {
  [closeWorld, payoutWorld, target] = await Promise.all([startCloseWorld(db), startPayoutWorld(db), WebhookReceiver.start()]);
  // an admin endpoint without account_id: every account's events and the platform-wide ones
  const created = await api('POST', '/v1/webhook-endpoints', { key: 'admin', body: { url: target.url, events: DOMAIN_TYPES } });
  expect(created.status).toBe(201);
  globalEndpointId = created.body.id;
  target.secrets = [created.body.secret];
}, 60000);
afterAll(async () => {
  await api('DELETE', `/v1/webhook-endpoints/${globalEndpointId}`, { key: 'admin' });
  await Promise.all([closeWorld?.close(), payoutWorld?.close(), target?.close()]);
  await db.destroy();
});

interface EventRow {
  id: string;
  type: string;
  account_id: string | null;
  payload: Record<string, unknown>;
  created_at: Date;
}

const eventsOf = (type: string, filter: { accountId?: string; field?: [string, string] }): Promise<EventRow[]> => {
  const query = db('events').where({ type });
  if (filter.accountId) query.where({ account_id: filter.accountId });
  if (filter.field) query.whereRaw('payload->>? = ?', filter.field);
  return query.orderBy('created_at');
};

/** Exactly one event of the kind was written; the endpoint received it, signed, with the contract's body. */
async function expectOneDelivered(type: string, filter: { accountId?: string; field?: [string, string] }, data: Record<string, unknown>): Promise<EventRow> {
  const rows = await eventsOf(type, filter);
  expect(rows).toHaveLength(1);
  const row = rows[0]!;
  const received = await waitFor(`${type} ${row.id} received`, async () => target.received.find((r) => r.id === row.id));
  expect(received.verified).toBe(true);
  expect(received.body).toEqual({ id: row.id, type, created_at: new Date(row.created_at).toISOString(), account_id: filter.accountId ?? null, data });
  return row;
}

const runClose = (period: string) =>
  closeWorld.client.workflow.execute(monthEndClose, { workflowId: `close:${period}:${crypto.randomUUID()}`, taskQueue: closeWorld.taskQueue, args: [{ period }] });

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** Stripe's renewal invoice object as `invoice.paid` carries it (API version basil). */
function paidStripeInvoice(account: { id: string; customer: string }, period: { start: Date; end: Date }, totalMinor: number, taxMinor: number) {
  return {
    id: `in_test${crypto.randomBytes(10).toString('hex')}`,
    object: 'invoice',
    status: 'paid',
    customer: account.customer,
    currency: 'usd',
    subtotal: totalMinor - taxMinor,
    total: totalMinor,
    amount_due: totalMinor,
    amount_paid: totalMinor,
    amount_remaining: 0,
    billing_reason: 'subscription_cycle',
    period_start: seconds(period.start),
    period_end: seconds(period.end),
    created: seconds(period.end) + 3600,
    parent: { type: 'subscription_details', subscription_details: { metadata: { account_id: account.id }, subscription: `sub_test${crypto.randomBytes(8).toString('hex')}` } },
    total_taxes: taxMinor ? [{ amount: taxMinor, tax_behavior: 'exclusive', taxability_reason: 'standard_rated' }] : [],
  };
}

describe('outbox: domain events written by the real flows, once', () => {
  it('a month-end close: period.closed per account and close.completed once; Stripe’s paid invoice: invoice.paid once; re-runs and replays write nothing more', async () => {
    const period = await privatePeriod(db);
    const account = await accountIn(period, 'pro');
    const result = await runClose(period.key);
    expect(result).toMatchObject({ status: 'completed', failures: [] });

    const closedPeriod = await db('periods').where({ account_id: account.id, period: period.key }).first();
    expect(closedPeriod.invoice_id).toMatch(/^inv_/);
    await expectOneDelivered('period.closed', { accountId: account.id }, { period: period.key, used_credits: 0, overage_credits: 0, overage_tokens: 0, invoice_id: closedPeriod.invoice_id });
    const close = await db('closes').where({ period: period.key }).first();
    await expectOneDelivered('close.completed', { field: ['period', period.key] }, {
      period: period.key,
      status: 'completed',
      accounts_total: 1,
      accounts_done: 1,
      failures: [],
      workflow_id: close.workflow_id,
      started_at: close.started_at.toISOString(),
      finished_at: close.finished_at.toISOString(),
    });

    // Stripe's invoice of the month pays the period invoice: invoice.paid
    const invoice = await db('invoices').where({ id: closedPeriod.invoice_id }).first();
    const facts = parseStripeInvoice(paidStripeInvoice(account, period, Number(invoice.total_minor), Number(invoice.tax_minor)))!;
    expect(await recordStripeInvoice(db, account.id, facts, 'paid')).toBe('paired');
    await expectOneDelivered('invoice.paid', { accountId: account.id }, { invoice_id: invoice.id, number: invoice.number, period: period.key, payment_reference: facts.id });

    // the close run again (it answers its result), the same Stripe invoice again (a replay)
    expect(await runClose(period.key)).toMatchObject({ status: 'completed' });
    expect(await recordStripeInvoice(db, account.id, facts, 'paid')).toBe('paired');
    for (const type of ['period.closed', 'invoice.paid']) expect(await eventsOf(type, { accountId: account.id })).toHaveLength(1);
    expect(await eventsOf('close.completed', { field: ['period', period.key] })).toHaveLength(1);
  }, 90000);

  it('a close with an account that fails: close.failed once, no period.closed for it; the next run closes it and completes', async () => {
    const period = await privatePeriod(db);
    const tool = await newTool(1000);
    const account = await accountIn(period, 'pro');
    await useAt(account, tool, 12, new Date(period.start.getTime() + 5 * 86_400_000)); // 2,000 credits over Pro's 10,000
    // the final overage report to Stripe fails (the client's own two retries included)
    closeWorld.proxy.failNext({ method: 'POST', path: '/v1/billing/meter_events', form: { 'payload[stripe_customer_id]': account.customer } }, STRIPE_ERRORS.apiError(), 3);

    const failed = await runClose(period.key);
    expect(failed).toMatchObject({ status: 'completed_with_failures', failures: [{ account_id: account.id, reason: expect.any(String) }] });
    const close = await db('closes').where({ period: period.key }).first();
    await expectOneDelivered('close.failed', { field: ['period', period.key] }, {
      period: period.key,
      status: 'completed_with_failures',
      accounts_total: 1,
      accounts_done: 0,
      failures: [{ account_id: account.id, reason: failed.failures[0]!.reason }],
      workflow_id: close.workflow_id,
      started_at: close.started_at.toISOString(),
      finished_at: close.finished_at.toISOString(),
    });
    expect(await eventsOf('period.closed', { accountId: account.id })).toEqual([]);

    // the next run closes the account: its period.closed and the run's close.completed, once each
    expect(await runClose(period.key)).toMatchObject({ status: 'completed', failures: [] });
    const closedPeriod = await db('periods').where({ account_id: account.id, period: period.key }).first();
    await expectOneDelivered('period.closed', { accountId: account.id }, { period: period.key, used_credits: 12_000, overage_credits: 2000, overage_tokens: 0, invoice_id: closedPeriod.invoice_id });
    expect(await eventsOf('close.failed', { field: ['period', period.key] })).toHaveLength(1);
    expect(await eventsOf('close.completed', { field: ['period', period.key] })).toHaveLength(1);
  }, 90000);

  it('signed subscription events: one subscription.updated per change; the same Stripe event replayed writes none', async () => {
    const account = await createTestAccount('Outbox subscriber', 'free');
    const fixture = await subscribeViaEvents(db, account.id, 'pro');
    // the events of one change: those whose subscription view says cancel_at_period_end = value
    const withCancel = (value: boolean) =>
      db('events').where({ type: 'subscription.updated', account_id: account.id }).whereRaw(`payload->'subscription'->>'cancel_at_period_end' = ?`, [String(value)]);

    const cancel = subscriptionEvent('customer.subscription.updated', fixture, { plan: 'pro', cancelAtPeriodEnd: true });
    await deliver(db, cancel);
    const [event] = await waitFor('the cancellation’s event', async () => {
      const rows = await withCancel(true);
      return rows.length > 0 && rows;
    });
    const received = await waitFor('subscription.updated received', async () => target.received.find((r) => r.id === event.id));
    expect(received.verified).toBe(true);
    expect(received.body).toEqual({
      id: event.id,
      type: 'subscription.updated',
      created_at: new Date(event.created_at).toISOString(),
      account_id: account.id,
      data: { outcome: expect.any(String), subscription: expect.objectContaining({ plan: 'pro', status: 'active', cancel_at_period_end: true }) },
    });

    // Stripe retries the same event; then the next change (reactivation) is handled after it
    expect((await postWebhook(cancel)).status).toBe(200);
    await deliver(db, subscriptionEvent('customer.subscription.updated', fixture, { plan: 'pro', cancelAtPeriodEnd: false, created: cancel.created + 1 }));
    const reactivated = await waitFor('the reactivation’s event', async () => {
      const rows = await db('events').where({ type: 'subscription.updated', account_id: account.id }).where('created_at', '>=', event.created_at).whereNot({ id: event.id }).orderBy('created_at');
      return rows.length > 0 && rows;
    });
    expect(reactivated.map((e: any) => e.payload.subscription.cancel_at_period_end)).toEqual([false]);
    expect(await withCancel(true)).toHaveLength(1);
  }, 60000);

  it('payouts: payout.failed once for a rejected transfer (a retried step writes none); payout.paid once when the retry pays', async () => {
    const M2 = monthStart(2);
    const publisher = await makePublisher(db);
    const tool = await makeTool(db, publisher.id, '100');
    await useTools(db, await makeAccount(db, M2), [{ tool, quantity: 50 }], new Date(M2.getTime() + 60_000));
    const period = periodOf(M2);
    const payoutId = await planOne(db, publisher.id, period, monthStart(1));
    payoutWorld.proxy.failNext({ method: 'POST', path: '/v1/transfers' }, STRIPE_ERRORS.balanceInsufficient());
    const state = await payoutWorld.client.workflow.execute(publisherPayout, {
      workflowId: payoutWorkflowId(publisher.id, period, 1),
      taskQueue: payoutWorld.taskQueue,
      args: [{ payoutId, publisherId: publisher.id, period, asOf: monthStart(1).toISOString() }],
    });
    expect(state).toMatchObject({ status: 'failed' });
    const failedRow = await db('payouts').where({ id: payoutId }).first();
    await expectOneDelivered('payout.failed', { field: ['payout_id', payoutId] }, {
      payout_id: payoutId,
      attempt: 1,
      failure_code: failedRow.failure_code,
      failure_reason: failedRow.failure_reason,
    });
    // the failing step retried (its activity ran again after the write): guarded, nothing more
    await markPayoutFailed(db, { payoutId, attempt: 1, code: failedRow.failure_code, reason: failedRow.failure_reason });
    expect(await eventsOf('payout.failed', { field: ['payout_id', payoutId] })).toHaveLength(1);

    const payoutApi = await startPayoutApi(payoutWorld, db);
    try {
      const retry = () => fetch(`${payoutApi.url}/v1/admin/payouts/${payoutId}/retry`, { method: 'POST', headers: { authorization: `Bearer ${payoutApi.adminKey}` } });
      const started = await retry();
      expect(started.status).toBe(202);
      const { workflow_id: workflowId } = (await started.json()) as { workflow_id: string };
      await payoutWorld.client.workflow.getHandle(workflowId).result();
      const paid = await db('payouts').where({ id: payoutId }).first();
      expect(paid).toMatchObject({ status: 'paid', attempts: 2 });
      await expectOneDelivered('payout.paid', { field: ['payout_id', payoutId] }, {
        payout_id: payoutId,
        publisher_id: publisher.id,
        period,
        amount: 40,
        currency: 'usd',
        transfer_id: paid.transfer_id,
      });
      expect((await retry()).status).toBe(409); // paid: no second transfer, no second event
    } finally {
      await payoutApi.close();
    }
    expect(await eventsOf('payout.paid', { field: ['payout_id', payoutId] })).toHaveLength(1);
    expect(await eventsOf('payout.failed', { field: ['payout_id', payoutId] })).toHaveLength(1);
  }, 90000);
});

describe('outbox retention: finished events older than WEBHOOK_EVENT_RETENTION_DAYS go, with their deliveries and attempt logs', () => {
  it('defaults to 30 days; a bad value is refused', () => {
    expect(loadConfig({}, 'embedded').WEBHOOK_EVENT_RETENTION_DAYS).toBe(30);
    expect(loadConfig({ WEBHOOK_EVENT_RETENTION_DAYS: '7' }, 'embedded').WEBHOOK_EVENT_RETENTION_DAYS).toBe(7);
    expect(() => loadConfig({ WEBHOOK_EVENT_RETENTION_DAYS: '0' }, 'embedded')).toThrow(/WEBHOOK_EVENT_RETENTION_DAYS/);
    expect(() => loadConfig({ WEBHOOK_EVENT_RETENTION_DAYS: 'month' }, 'embedded')).toThrow(/WEBHOOK_EVENT_RETENTION_DAYS/);
  });

  it('deletes old events whose deliveries are all delivered or failed (or that had none), in batches; keeps pending, recent and still-deduping ones', async () => {
    // types the domain tests' global endpoint does not take: only this test's endpoints get them
    const account = await createTestAccount('Retention', 'free');
    const [healthy, down, gone] = await Promise.all([WebhookReceiver.start(), WebhookReceiver.start(), WebhookReceiver.start()]);
    down.replies.push(...Array<number>(100).fill(500)); // keeps answering 500: its delivery stays pending (retries)
    gone.replies.push(410); // 410 Gone: the delivery fails at once
    const endpoint = async (receiver: WebhookReceiver, events: string[]) => {
      const created = await api('POST', '/v1/webhook-endpoints', { key: account.apiKey, body: { url: receiver.url, events } });
      expect(created.status).toBe(201);
      receiver.secrets = [created.body.secret];
      return created.body.id as string;
    };
    const endpoints = [
      await endpoint(healthy, ['invoice.finalized', 'purchase.fulfilled']),
      await endpoint(down, ['purchase.fulfilled']),
      await endpoint(gone, ['purchase.refunded']),
    ];
    const sweep = startEventRetentionSweep(db, pino({ level: 'silent' }), { retentionDays: 30, batch: 2, intervalMs: 3_600_000 });
    try {
      const record = async (type: 'invoice.finalized' | 'purchase.fulfilled' | 'purchase.refunded' | 'purchase.review', dedupeKey?: string) => {
        const data = { marker: crypto.randomUUID() };
        await recordEvent(db, { type, accountId: account.id, data, dedupeKey });
        return (await db('events').whereRaw(`payload->>'marker' = ?`, [data.marker]).first('id')).id as string;
      };
      const delivered = await record('invoice.finalized');
      const failed = await record('purchase.refunded');
      const noEndpoint = await record('purchase.review');
      const stillPending = await record('purchase.fulfilled'); // delivered to one endpoint, retrying to the other
      const recent = await record('invoice.finalized');
      const dedupedYoung = await record('invoice.finalized', `retention-test:${crypto.randomUUID()}`);
      const dedupedOld = await record('invoice.finalized', `retention-test:${crypto.randomUUID()}`);
      const all = [delivered, failed, noEndpoint, stillPending, recent, dedupedYoung, dedupedOld];

      // the real delivery loop fans them out and attempts each delivery
      await waitFor('every event fanned out and attempted', async () => {
        const unfanned = await db('events').whereIn('id', all).whereNull('fanned_out_at').first('id');
        if (unfanned) return false;
        const deliveries = await db('webhook_deliveries').whereIn('event_id', all).whereIn('endpoint_id', endpoints);
        const expected = 5 + 1 + 1; // healthy: 5 events (2 of them deduped); down: stillPending; gone: failed
        return deliveries.length === expected && deliveries.every((d: any) => d.attempts >= 1 && (d.status !== 'pending' || d.endpoint_id === endpoints[1]));
      });
      const attemptsOf = (ids: string[]) =>
        db('webhook_delivery_attempts').whereIn('delivery_id', db('webhook_deliveries').whereIn('event_id', ids).select('id')).count({ n: '*' }).first();
      expect(Number((await attemptsOf([delivered, failed, stillPending]))!.n)).toBeGreaterThanOrEqual(4);
      expect(await db('webhook_deliveries').where({ event_id: failed }).first()).toMatchObject({ status: 'failed' });
      expect(await db('webhook_deliveries').where({ event_id: stillPending, endpoint_id: endpoints[1] }).first()).toMatchObject({ status: 'pending' });

      // age them: 31 days, beyond the 30-day retention; the deduped ones 40 and 70 days
      const age = (ids: string[], days: number) => db('events').whereIn('id', ids).update({ created_at: db.raw(`now() - make_interval(days => ?)`, [days]) });
      await age([delivered, failed, noEndpoint, stillPending], 31);
      await age([dedupedYoung], 40);
      await age([dedupedOld], 70);

      expect(await sweep.sweepNow()).toBeGreaterThanOrEqual(4);
      const left = (await db('events').whereIn('id', all).pluck('id')).sort();
      expect(left).toEqual([stillPending, recent, dedupedYoung].sort());
      const gonePart = [delivered, failed, noEndpoint, dedupedOld];
      expect(await db('webhook_deliveries').whereIn('event_id', gonePart)).toEqual([]);
      expect(Number((await attemptsOf(gonePart))!.n)).toBe(0);
      expect(await db('webhook_deliveries').whereIn('event_id', [stillPending, recent, dedupedYoung]).whereIn('endpoint_id', endpoints)).toHaveLength(4);
      expect(Number((await attemptsOf([stillPending]))!.n)).toBeGreaterThanOrEqual(2);

      // a deleted delivery is gone from the log too
      const log = await api('GET', `/v1/webhook-endpoints/${endpoints[0]}/deliveries`, { key: account.apiKey });
      expect(log.status).toBe(200);
      expect(log.body.data.map((d: any) => d.event_id).sort()).toEqual([stillPending, recent, dedupedYoung].sort());

      // the endpoint still retrying is deleted (its deliveries go with it): the next pass takes the event
      expect((await api('DELETE', `/v1/webhook-endpoints/${endpoints[1]}`, { key: account.apiKey })).status).toBe(200);
      expect(await sweep.sweepNow()).toBeGreaterThanOrEqual(1);
      expect((await db('events').whereIn('id', all).pluck('id')).sort()).toEqual([recent, dedupedYoung].sort());
    } finally {
      await sweep.stop();
      await Promise.all(endpoints.map((id) => api('DELETE', `/v1/webhook-endpoints/${id}`, { key: account.apiKey })));
      await Promise.all([healthy.close(), down.close(), gone.close()]);
    }
  }, 60000);
});
