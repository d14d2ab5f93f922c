import crypto from 'node:crypto';
import Stripe from 'stripe';
import { createStripe, STRIPE_MOCK_KEY } from '../../src/integrations/stripe/client';
import { monthContaining, periodKey } from '../../src/periods/compute/calendar-month';
import { reportOverage } from '../../src/periods/overage.service';
import { monthEndClose } from '../../workflows/month-end-close.workflow';
import { overageSweep } from '../../workflows/overage-sweep.workflow';
import { api } from '../helpers/api';
import { accountIn, meterEventsOf, privatePeriod, startCloseWorld, useAt, type CloseWorld } from '../helpers/close-world';
import { testDb } from '../helpers/db';
import { expectLedgerInvariants } from '../helpers/ledger-invariants';
import { newModel, newTool } from '../factories/accounts';

/**
 * Token overage on an overage plan (Pro: 2,000,000 tokens a month, then $2 per million) goes to
 * Stripe on its own meter (settle_overage_tokens, value in tokens) under token-overage:…
 * identifiers, hourly and at the close, exactly once per identifier, and onto the period invoice
 * and period row next to the credit overage. A real worker, stripe-mock behind the recording proxy.
 */
const db = testDb();
let world: CloseWorld;
beforeAll(async () => {
  world = await startCloseWorld(db);
}, 60000);
afterAll(async () => {
  await world.close();
  await db.destroy();
});

const METERS = { STRIPE_METER_EVENT_NAME: 'settle_overage_credits', STRIPE_TOKEN_METER_EVENT_NAME: 'settle_overage_tokens' };
const overageDeps = () => ({ db, stripe: createStripe({ apiBase: world.proxy.url }), config: METERS });
type Account = Awaited<ReturnType<typeof accountIn>>;

/** A Pro account whose period is this month: /v1/tokens/consume records its tokens now, in it. */
async function proThisMonth(): Promise<Account & { period: string }> {
  const month = monthContaining(new Date());
  return { ...(await accountIn(month, 'pro')), period: periodKey(month.start) };
}

async function consumeTokens(account: Account, amount: number) {
  const response = await api('POST', '/v1/tokens/consume', { key: account.key, body: { amount } });
  expect(response.status).toBe(201);
  return response.body.data;
}

/** What the meters got for this customer: [event name, identifier, value], Stripe-accepted only. */
const sent = (account: Account) => meterEventsOf(world.proxy, account.customer).map((r) => [r.form.event_name, r.form.identifier, r.form['payload[value]']]);

describe('token overage reported to Stripe', () => {
  it('the hourly sweep reports token overage once per hour identifier on the token meter; the next hour only what is new', async () => {
    const account = await proThisMonth();
    const entry = await consumeTokens(account, 2_300_000); // 2,000,000 included: 300,000 overage
    expect(entry.overage).toBe(300_000);

    const sweep = (at: string) =>
      world.client.workflow.execute(overageSweep, { workflowId: `token-overage-sweep:${crypto.randomUUID()}`, taskQueue: world.taskQueue, args: [{ at }] });
    await sweep('2026-03-09T14:02:00.000Z');
    await sweep('2026-03-09T14:40:00.000Z'); // the same hour again: nothing new under it
    const h14 = `token-overage:${account.id}:${account.period}:h2026030914`;
    expect(sent(account)).toEqual([['settle_overage_tokens', h14, '300000']]);
    expect(meterEventsOf(world.proxy, account.customer)[0]!.idempotencyKey).toBe(h14);

    await consumeTokens(account, 200_000);
    await sweep('2026-03-09T14:50:00.000Z'); // still hour 14: waits for the next hour
    await sweep('2026-03-09T15:02:00.000Z');
    await sweep('2026-03-09T16:02:00.000Z'); // nothing new
    expect(sent(account)).toEqual([
      ['settle_overage_tokens', h14, '300000'],
      ['settle_overage_tokens', `token-overage:${account.id}:${account.period}:h2026030915`, '200000'],
    ]);
    const reports = await db('overage_reports').where({ account_id: account.id }).orderBy('window');
    expect(reports.map((r) => [r.unit, r.window, r.quantity, r.status])).toEqual([['tokens', 'h2026030914', '300000', 'sent'], ['tokens', 'h2026030915', '200000', 'sent']]);

    // the open period shows it next to the credit overage (none here)
    const periods = await api('GET', '/v1/billing/periods', { key: account.key });
    expect(periods.body.data[0]).toEqual(expect.objectContaining({ period: account.period, status: 'open', overage: 0, overage_reported: 0, token_overage: 500_000, token_overage_reported: 500_000 }));
  }, 60_000);

  it('credits and tokens go to their own meters under their own identifiers and report rows', async () => {
    const account = await proThisMonth();
    await useAt(account, await newTool(1000), 11, new Date()); // 11,000 credits: 1,000 over
    await consumeTokens(account, 2_000_001); // one token over
    const result = await reportOverage(overageDeps(), { accountId: account.id, period: account.period, window: 'h1' });
    expect(result).toEqual({
      identifiers: [`overage:${account.id}:${account.period}:h1`, `token-overage:${account.id}:${account.period}:h1`],
      sent: 1_000_000_000n,
      sentTokens: 1n,
    });
    expect(sent(account)).toEqual([
      ['settle_overage_credits', `overage:${account.id}:${account.period}:h1`, '1000000000'],
      ['settle_overage_tokens', `token-overage:${account.id}:${account.period}:h1`, '1'],
    ]);
    const reports = await db('overage_reports').where({ account_id: account.id }).orderBy('identifier');
    expect(reports.map((r) => [r.identifier, r.unit, r.quantity])).toEqual([
      [`overage:${account.id}:${account.period}:h1`, 'credits', '1000000000'],
      [`token-overage:${account.id}:${account.period}:h1`, 'tokens', '1'],
    ]);
    expect(await db('periods').where({ account_id: account.id, period: account.period }).first()).toMatchObject({
      overage: '1000000000', overage_reported: '1000000000', token_overage: '1', token_overage_reported: '1',
    });
  });

  it('a retry after a crash between Stripe and marking the report sent resends the same identifier and quantity', async () => {
    const account = await proThisMonth();
    await consumeTokens(account, 2_400_000); // 400,000 over
    const h1 = `token-overage:${account.id}:${account.period}:h1`;
    // Stripe records the event but its answer never arrives; a client that does not retry gives
    // up, so reportOverage dies after Stripe counted the event and before the row was marked sent.
    const url = new URL(world.proxy.url);
    const dying = new Stripe(STRIPE_MOCK_KEY, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0, timeout: 500 });
    world.proxy.failNext({ method: 'POST', path: '/v1/billing/meter_events', form: { identifier: h1 } }, { kind: 'hang' });
    await expect(reportOverage({ ...overageDeps(), stripe: dying }, { accountId: account.id, period: account.period, window: 'h1' })).rejects.toThrow();
    world.proxy.releaseHung();
    expect(await db('overage_reports').where({ identifier: h1 }).first()).toMatchObject({ status: 'pending', quantity: '400000' });

    await consumeTokens(account, 100_000); // more overage meanwhile: the retry still sends the row as written
    const retried = await reportOverage(overageDeps(), { accountId: account.id, period: account.period, window: 'h2' });
    expect(retried).toMatchObject({ identifiers: [h1], sentTokens: 400_000n });
    const attempts = world.proxy.requests.filter((r) => r.form.identifier === h1);
    expect(attempts.map((r) => [r.idempotencyKey, r.form['payload[value]'], r.outcome])).toEqual([[h1, '400000', 'hung'], [h1, '400000', 'replayed']]);
    expect(await db('overage_reports').where({ identifier: h1 }).first()).toMatchObject({ status: 'sent' });

    // the next report sends what the crash left behind, under its own identifier
    await reportOverage(overageDeps(), { accountId: account.id, period: account.period, window: 'h3' });
    // h1 reached Stripe twice under one identifier and key (Stripe counts it once), h3 once
    expect(sent(account).map(([, identifier, value]) => [identifier, value])).toEqual([[h1, '400000'], [h1, '400000'], [`token-overage:${account.id}:${account.period}:h3`, '100000']]);
    expect(await db('periods').where({ account_id: account.id, period: account.period }).first()).toMatchObject({ token_overage: '500000', token_overage_reported: '500000' });
  });

  it('the close reports the rest once under …:final, invoices token overage next to credit overage and records it on the period row', async () => {
    const period = await privatePeriod(db);
    const account = await accountIn(period, 'pro');
    const day = (n: number) => new Date(period.start.getTime() + n * 86_400_000);
    await useAt(account, await newTool(1000), 12, day(2)); // 2,000 credits over
    // model calls metered through POST /v1/usage (at their event time) spend the token allowance too
    const model = await newModel({ creditInputPer1M: 0, creditOutputPer1M: 0 }); // priced at 0 credits: tokens only
    const tokensAt = async (tokens: number, at: Date) => {
      const items = [{ type: 'model', model, input_tokens: tokens, output_tokens: 0 }];
      const used = await api('POST', '/v1/usage', { key: account.key, body: { items, timestamp: at.toISOString() } });
      expect(used.status).toBe(201);
      expect(used.body.credits_used).toBe(0);
    };
    await tokensAt(2_500_000, day(3)); // 500,000 over
    await reportOverage(overageDeps(), { accountId: account.id, period: period.key, window: 'h1' });
    await tokensAt(100_000, day(4)); // left for the final report

    const runClose = () =>
      world.client.workflow.execute(monthEndClose, { workflowId: `close:${period.key}:${crypto.randomUUID()}`, taskQueue: world.taskQueue, args: [{ period: period.key }] });
    expect(await runClose()).toMatchObject({ status: 'completed', accounts_done: 1, failures: [] });
    expect(sent(account)).toEqual([
      ['settle_overage_credits', `overage:${account.id}:${period.key}:h1`, '2000000000'],
      ['settle_overage_tokens', `token-overage:${account.id}:${period.key}:h1`, '500000'],
      ['settle_overage_tokens', `token-overage:${account.id}:${period.key}:final`, '100000'],
    ]);

    const invoice = await db('invoices').where({ account_id: account.id }).first();
    const lines = (await api('GET', `/v1/invoices/${invoice.id}`, { key: account.key })).body.lines;
    expect(lines.map((l: any) => [l.description, l.amount])).toEqual([
      [`Pro plan, ${period.key}`, 49],
      [`Overage, ${period.key}: 2000 credits`, 20],
      [`Token overage, ${period.key}: 600000 tokens`, 1.2], // 600,000 tokens at $2 per million
    ]);
    const periods = await api('GET', '/v1/billing/periods', { key: account.key });
    expect(periods.body.data[1]).toEqual(expect.objectContaining({
      period: period.key, status: 'closed', overage: 2000, overage_reported: 2000, token_overage: 600_000, token_overage_reported: 600_000, invoice_id: invoice.id,
    }));
    const closed = await db('events').where({ type: 'period.closed', account_id: account.id });
    expect(closed.map((event) => event.payload)).toEqual([{ period: period.key, used_credits: 12_000, overage_credits: 2000, overage_tokens: 600_000, invoice_id: invoice.id }]);
    await expectLedgerInvariants(db, account.id);

    // closing again sends nothing more
    const before = world.proxy.requests.length;
    expect(await runClose()).toMatchObject({ status: 'completed' });
    expect(world.proxy.requests.length).toBe(before);
    expect(sent(account)).toHaveLength(3);
  }, 60_000);
});
