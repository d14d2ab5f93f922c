import { createStripe } from '../../src/integrations/stripe/client';
import { reportOverage } from '../../src/periods/overage.service';
import { monthEndClose } from '../../workflows/month-end-close.workflow';
import { api } from '../helpers/api';
import { accountIn, meterEventsOf, privatePeriod, startCloseWorld, useAt, type CloseWorld } from '../helpers/close-world';
import { testDb } from '../helpers/db';
import { expectLedgerInvariants } from '../helpers/ledger-invariants';
import { newTool } from '../factories/accounts';

const db = testDb();
let world: CloseWorld;
beforeAll(async () => {
  world = await startCloseWorld(db);
}, 60000);
afterAll(async () => {
  await world.close();
  await db.destroy();
});

const runClose = (period: string, pageSize?: number) =>
  world.client.workflow.execute(monthEndClose, { workflowId: `close:${period}:${Date.now()}`, taskQueue: world.taskQueue, args: [{ period, pageSize }] });

const entries = (accountId: string, type: string) => db('ledger_entries').where({ account_id: accountId, type }).orderBy('seq');

describe('monthEndClose', () => {
  it('closes Free with unused credits, Pro with overage and Pro without: expiries, grants, meter events, invoices, period rows', async () => {
    const period = await privatePeriod(db);
    const tool = await newTool(10);
    const [free, proOver, proUnder] = [await accountIn(period, 'free'), await accountIn(period, 'pro'), await accountIn(period, 'pro')];
    const mid = new Date(period.start.getTime() + 5 * 86_400_000);
    await useAt(free, tool, 3, mid); // 30 of 100 used
    await useAt(proOver, tool, 1200, mid); // 12,000 of 10,000: 2,000 overage
    await useAt(proUnder, tool, 10, mid);

    const result = await runClose(period.key);
    expect(result).toMatchObject({ period: period.key, status: 'completed', accounts_total: 3, accounts_done: 3, failures: [] });

    // 1. unused included credits expired (70 for Free, 9,900 for the quiet Pro), nothing for the Pro in overage
    expect((await entries(free.id, 'expiry')).filter((e: any) => e.unit === 'credits').map((e: any) => e.amount)).toEqual(['-70000000']);
    expect((await entries(proUnder.id, 'expiry')).filter((e: any) => e.unit === 'credits').map((e: any) => e.amount)).toEqual(['-9900000000']);
    expect((await entries(proOver.id, 'expiry')).filter((e: any) => e.unit === 'credits')).toEqual([]);
    // 2. next period's allowance, valid for exactly that month
    const nextGrants = await db('grants').where({ account_id: free.id, kind: 'included', starts_at: period.end });
    expect(nextGrants.map((g: any) => [g.unit, g.amount]).sort()).toEqual([['credits', '100000000'], ['tokens', '10000']]);
    // 3. one meter event, for the overage account only, with a deterministic identifier
    expect(meterEventsOf(world.proxy, proOver.customer).map((r) => r.form)).toEqual([
      expect.objectContaining({
        event_name: 'settle_overage_credits',
        identifier: `overage:${proOver.id}:${period.key}:final`,
        'payload[value]': '2000000000',
        'payload[stripe_customer_id]': proOver.customer,
      }),
    ]);
    expect(meterEventsOf(world.proxy, proUnder.customer)).toEqual([]);
    expect(meterEventsOf(world.proxy, proOver.customer)[0]!.idempotencyKey).toBe(`overage:${proOver.id}:${period.key}:final`);
    // 4. period invoices: plan fee (+ overage) for Pro, none for Free ($0)
    const invoices = await db('invoices').whereIn('account_id', [free.id, proOver.id, proUnder.id]).orderBy('total_minor', 'desc');
    expect(invoices.map((i: any) => [i.account_id, i.source, i.status])).toEqual([
      [proOver.id, `period:${proOver.id}:${period.key}`, 'finalized'],
      [proUnder.id, `period:${proUnder.id}:${period.key}`, 'finalized'],
    ]);
    const overInvoice = await api('GET', `/v1/invoices/${invoices[0].id}`, { key: proOver.key });
    expect(overInvoice.body.lines.map((l: any) => l.description)).toEqual([`Pro plan, ${period.key}`, `Overage, ${period.key}: 2000 credits`]);
    // 5. period rows
    const periods = await api('GET', '/v1/billing/periods', { key: proOver.key });
    expect(periods.body.data[1]).toEqual(expect.objectContaining({
      period: period.key, status: 'closed', included_credits: 10000, used: 12000, expired: 0, rolled_over: 0, overage: 2000, overage_reported: 2000, invoice_id: invoices[0].id,
    }));
    const freePeriods = await api('GET', '/v1/billing/periods', { key: free.key });
    expect(freePeriods.body.data[1]).toEqual(expect.objectContaining({ status: 'closed', used: 30, expired: 70, invoice_id: null }));
    expect(freePeriods.body.data[0]).toEqual(expect.objectContaining({ status: 'open', used: 0, included_credits: 100 }));
    // the closed period takes no more usage; the account's open period moved on
    const late = await api('POST', '/v1/usage', { key: free.key, body: { items: [{ type: 'tool', tool }], timestamp: mid.toISOString() } });
    expect(late.status).toBe(400);
    expect((await db('accounts').where({ id: free.id }).first()).period_start).toEqual(period.end);
    for (const account of [free, proOver, proUnder]) await expectLedgerInvariants(db, account.id);

    // the same close again: no second expiry, grant, meter event or invoice
    const before = await snapshot([free.id, proOver.id, proUnder.id]);
    const meterCalls = world.proxy.requests.length;
    const again = await runClose(period.key);
    expect(again).toMatchObject({ status: 'completed', accounts_done: 3 });
    expect(await snapshot([free.id, proOver.id, proUnder.id])).toEqual(before);
    expect(world.proxy.requests.length).toBe(meterCalls);
  });

  it('rolls over the plan’s fraction of unused included credits', async () => {
    const plan = `rollover-${Date.now()}`;
    const created = await api('PUT', `/v1/admin/plans/${plan}`, { key: 'admin', body: { name: 'Rollover', monthly_price: 0, included_credits: 100, overage_allowed: false, rollover_fraction: 0.25 } });
    expect(created.status).toBe(200);
    const period = await privatePeriod(db);
    const account = await accountIn(period, plan);
    await useAt(account, await newTool(20), 1, new Date(period.start.getTime() + 86_400_000)); // 80 unused
    await runClose(period.key);
    const rolled = await db('grants').where({ account_id: account.id, source: `rollover:${period.key}` });
    expect(rolled.map((g: any) => [g.amount, g.starts_at.toISOString(), g.expires_at.toISOString()])).toEqual([['20000000', period.end.toISOString(), new Date(Date.UTC(period.end.getUTCFullYear(), period.end.getUTCMonth() + 1, 1)).toISOString()]]);
    const row = await db('periods').where({ account_id: account.id, period: period.key }).first();
    expect([row.used, row.expired, row.rolled_over]).toEqual(['20000000', '60000000', '20000000']);
    const next = await db('grants').where({ account_id: account.id, unit: 'credits', kind: 'included', starts_at: period.end }).sum({ total: 'amount' });
    expect(next[0]!.total).toBe('120000000'); // next month's 100 + 20 rolled over
    await expectLedgerInvariants(db, account.id);
  });

  it('survives the worker stopping mid-close: every account closed exactly once', async () => {
    const period = await privatePeriod(db);
    const tool = await newTool(200);
    const accounts = [];
    for (let i = 0; i < 24; i++) accounts.push(await accountIn(period, i % 2 ? 'pro' : 'free'));
    for (const account of accounts.filter((_, i) => i % 2)) await useAt(account, tool, 60, new Date(period.start.getTime() + 86_400_000));
    const handle = await world.client.workflow.start(monthEndClose, { workflowId: `close:${period.key}:restart`, taskQueue: world.taskQueue, args: [{ period: period.key, pageSize: 4 }] });
    for (;;) {
      const progress = await db('closes').where({ period: period.key }).first();
      if (progress && progress.accounts_done >= 4) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await world.stopWorker();
    const stoppedAt = (await db('closes').where({ period: period.key }).first()).accounts_done;
    expect(stoppedAt).toBeLessThan(24);
    await world.startWorker();
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'completed', accounts_done: 24, failures: [] });
    for (const account of accounts) {
      expect((await entries(account.id, 'expiry')).filter((e: any) => e.unit === 'tokens')).toHaveLength(1);
      expect(await db('grants').where({ account_id: account.id, kind: 'included', starts_at: period.end })).toHaveLength(2);
      expect(await db('periods').where({ account_id: account.id, period: period.key, status: 'closed' })).toHaveLength(1);
      await expectLedgerInvariants(db, account.id);
    }
    for (const account of accounts.filter((_, i) => i % 2)) {
      expect(meterEventsOf(world.proxy, account.customer)).toHaveLength(1);
      expect(await db('invoices').where({ account_id: account.id })).toHaveLength(1);
    }
  }, 120_000);

  it('hourly reports and the final report sum exactly to the overage', async () => {
    const period = await privatePeriod(db);
    const tool = await newTool(1000);
    const account = await accountIn(period, 'pro');
    const day = (n: number) => new Date(period.start.getTime() + n * 86_400_000);
    await useAt(account, tool, 11, day(1)); // 11,000: 1,000 overage
    const deps = { db, stripe: createStripe({ apiBase: world.proxy.url }), config: { STRIPE_METER_EVENT_NAME: 'settle_overage_credits', STRIPE_TOKEN_METER_EVENT_NAME: 'settle_overage_tokens' } };
    await reportOverage(deps, { accountId: account.id, period: period.key, window: 'h1' });
    await reportOverage(deps, { accountId: account.id, period: period.key, window: 'h1' }); // same hour twice: nothing new
    await useAt(account, tool, 2, day(2)); // +2,000
    await reportOverage(deps, { accountId: account.id, period: period.key, window: 'h2' });
    await reportOverage(deps, { accountId: account.id, period: period.key, window: 'h3' }); // nothing new
    await useAt(account, tool, 3, day(3)); // +3,000 left for the final report
    await runClose(period.key);
    const events = meterEventsOf(world.proxy, account.customer);
    expect(events.map((e) => [e.form.identifier, e.form['payload[value]']])).toEqual([
      [`overage:${account.id}:${period.key}:h1`, '1000000000'],
      [`overage:${account.id}:${period.key}:h2`, '2000000000'],
      [`overage:${account.id}:${period.key}:final`, '3000000000'],
    ]);
    const total = events.reduce((sum, e) => sum + BigInt(e.form['payload[value]']!), 0n);
    const row = await db('periods').where({ account_id: account.id, period: period.key }).first();
    expect(BigInt(row.overage)).toBe(total);
    expect(BigInt(row.overage_reported)).toBe(total);
  });
});

describe('closes API', () => {
  it('refuses a period that has not ended and reports unknown closes as 404', async () => {
    const now = new Date();
    const current = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const refused = await api('POST', '/v1/admin/closes', { key: 'admin', body: { period: current } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.field).toBe('period');
    expect((await api('POST', '/v1/admin/closes', { key: 'admin', body: { period: '2026-13' } })).status).toBe(400);
    expect((await api('GET', '/v1/admin/closes/1999-01', { key: 'admin' })).status).toBe(404);
  });

  it('starts a close through the API and shows its progress', async () => {
    const period = await privatePeriod(db);
    await accountIn(period, 'free');
    const started = await api('POST', '/v1/admin/closes', { key: 'admin', body: { period: period.key } });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ period: period.key, workflow_id: `close:${period.key}` });
    const deadline = Date.now() + 30000;
    let progress;
    do {
      progress = await api('GET', `/v1/admin/closes/${period.key}`, { key: 'admin' });
      if (progress.body.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 200));
    } while (Date.now() < deadline);
    expect(progress.body).toMatchObject({ period: period.key, status: 'completed', accounts_total: 1, accounts_done: 1, failures: [] });
    const rerun = await api('POST', '/v1/admin/closes', { key: 'admin', body: { period: period.key } });
    expect(rerun.status).toBe(202);
  });
});

async function snapshot(accountIds: string[]) {
  return {
    entries: await db('ledger_entries').whereIn('account_id', accountIds).count({ n: '*' }),
    grants: await db('grants').whereIn('account_id', accountIds).count({ n: '*' }),
    invoices: await db('invoices').whereIn('account_id', accountIds).count({ n: '*' }),
    reports: await db('overage_reports').whereIn('account_id', accountIds).count({ n: '*' }),
    periods: await db('periods').whereIn('account_id', accountIds).orderBy(['account_id', 'period']).select('*'),
  };
}
