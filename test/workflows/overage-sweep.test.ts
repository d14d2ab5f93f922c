import crypto from 'node:crypto';
import { overageSweep, overageSweepStateQuery, type OverageSweepInput } from '../../workflows/overage-sweep.workflow';
import { accountIn, privatePeriod, startCloseWorld, useAt, type CloseWorld } from '../helpers/close-world';
import { testDb } from '../helpers/db';
import { STRIPE_ERRORS, type RecordedRequest } from '../helpers/stripe-fault-proxy';
import { newTool } from '../factories/accounts';

/**
 * The hourly overage sweep through a real worker, the real activities and stripe-mock behind the
 * recording proxy. The sweep's population is every overage-plan account in the shared database,
 * other suites' too, so assertions about amounts name this file's accounts (in private months),
 * and counts are checked against the database and against what reached Stripe.
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

const HOUR = '2026-03-09T14:02:00.000Z'; // a Schedule's start a couple of minutes past the hour
const NEXT_HOUR = '2026-03-09T15:02:00.000Z';
const METER_EVENTS = '/v1/billing/meter_events';
type Account = Awaited<ReturnType<typeof accountIn>>;

async function sweep(input: OverageSweepInput) {
  const from = world.proxy.requests.length;
  const handle = await world.client.workflow.start(overageSweep, { workflowId: `overage-sweep-test:${crypto.randomUUID()}`, taskQueue: world.taskQueue, args: [input] });
  const result = await handle.result();
  return { handle, result, state: await handle.query(overageSweepStateQuery), requests: world.proxy.requests.slice(from) };
}

/** A Pro account (10,000 credits included) in a month of its own, having used `credits`. */
async function proUsing(period: Awaited<ReturnType<typeof privatePeriod>>, credits: number, tool: string): Promise<Account> {
  const account = await accountIn(period, 'pro');
  if (credits > 0) await useAt(account, tool, credits / 1000, new Date(period.start.getTime() + 5 * 86_400_000));
  return account;
}

const meterEvents = (requests: RecordedRequest[], account: Account) =>
  requests.filter((r) => r.path === METER_EVENTS && r.form['payload[stripe_customer_id]'] === account.customer);
const sentEvents = (requests: RecordedRequest[], account: Account) => meterEvents(requests, account).filter((r) => r.status === 200);
/** accounts_reported counts accounts with something sent: as many customers as Stripe accepted events of */
const customersAccepted = (requests: RecordedRequest[]) =>
  new Set(requests.filter((r) => r.path === METER_EVENTS && r.status === 200).map((r) => r.form['payload[stripe_customer_id]'])).size;
const failuresOf = (failures: Array<{ account_id: string }>, accounts: Account[]) => failures.filter((f) => accounts.some((a) => a.id === f.account_id));
const periodRow = (account: Account, period: string) => db('periods').where({ account_id: account.id, period }).first();

async function overagePopulation(): Promise<number> {
  const [row] = await db('accounts as a').join('plans as p', 'p.id', 'a.plan_id').where('p.overage_allowed', true).count({ n: '*' });
  return Number(row!.n);
}

describe('overageSweep', () => {
  it('reports every overage-plan account’s overage under its hourly identifier, a page at a time, and answers its state query', async () => {
    const period = await privatePeriod(db);
    const tool = await newTool(1000);
    const over = [await proUsing(period, 11_000, tool), await proUsing(period, 12_000, tool), await proUsing(period, 13_000, tool)];
    const under = await proUsing(period, 9_000, tool);
    // Other suites' accounts share the database: a page size drawn from the population keeps
    // the sweep at a few pages however many there are.
    const population = await overagePopulation();
    const pageSize = Math.ceil(population / 3);

    const { handle, result, state, requests } = await sweep({ at: HOUR, pageSize });

    const overage = ['1000000000', '2000000000', '3000000000']; // micro-credits beyond the 10,000 included
    for (const [i, account] of over.entries()) {
      const identifier = `overage:${account.id}:${period.key}:h2026030914`;
      expect(sentEvents(requests, account).map((r) => [r.form.identifier, r.idempotencyKey, r.form.event_name, r.form['payload[value]']])).toEqual([
        [identifier, identifier, 'settle_overage_credits', overage[i]],
      ]);
      expect(await periodRow(account, period.key)).toMatchObject({ overage: overage[i], overage_reported: overage[i] });
    }
    expect(meterEvents(requests, under)).toEqual([]);

    // every overage-plan account seen once, across pages (and the empty page that ends the sweep)
    expect(state).toEqual(result);
    expect(state).toMatchObject({ at: HOUR, accounts_seen: population });
    expect(state.accounts_reported).toBe(customersAccepted(requests));
    expect(state.accounts_reported).toBeGreaterThanOrEqual(over.length);
    expect(failuresOf(state.failures, [...over, under])).toEqual([]);
    const pages = (await handle.fetchHistory()).events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'overageAccounts');
    expect(pages).toHaveLength(Math.ceil(population / pageSize) + 1);
    expect(pages.length).toBeGreaterThanOrEqual(3);
  });

  it('reports nothing twice for the same hour, even after more usage; the next hour reports only the new overage', async () => {
    const period = await privatePeriod(db);
    const tool = await newTool(1000);
    const [growing, steady] = [await proUsing(period, 11_000, tool), await proUsing(period, 12_000, tool)];
    const first = await sweep({ at: HOUR });
    expect([...sentEvents(first.requests, growing), ...sentEvents(first.requests, steady)].map((r) => r.form['payload[value]'])).toEqual(['1000000000', '2000000000']);
    await useAt(growing, tool, 3, new Date(period.start.getTime() + 6 * 86_400_000)); // +3,000 credits

    const again = await sweep({ at: HOUR });
    expect([...meterEvents(again.requests, growing), ...meterEvents(again.requests, steady)]).toEqual([]);
    expect(again.state.accounts_reported).toBe(customersAccepted(again.requests));
    expect(failuresOf(again.state.failures, [growing, steady])).toEqual([]);

    const next = await sweep({ at: NEXT_HOUR });
    expect(sentEvents(next.requests, growing).map((r) => [r.form.identifier, r.form['payload[value]']])).toEqual([[`overage:${growing.id}:${period.key}:h2026030915`, '3000000000']]);
    expect(meterEvents(next.requests, steady)).toEqual([]);
    const reports = await db('overage_reports').where({ account_id: growing.id }).orderBy('window');
    expect(reports.map((r: any) => [r.window, r.quantity, r.status])).toEqual([
      ['h2026030914', '1000000000', 'sent'],
      ['h2026030915', '3000000000', 'sent'],
    ]);
    expect(await periodRow(growing, period.key)).toMatchObject({ overage: '4000000000', overage_reported: '4000000000' });
  });

  it('records an account whose Stripe call fails and reports the others; the next sweep sends its report once, as first written', async () => {
    const period = await privatePeriod(db);
    const tool = await newTool(1000);
    const accounts = [await proUsing(period, 12_000, tool), await proUsing(period, 12_000, tool), await proUsing(period, 12_000, tool)];
    // the first of them in the sweep's (id) order, so the others come after the failure
    const [failing, ...others] = [...accounts].sort((a, b) => (a.id < b.id ? -1 : 1)) as [Account, ...Account[]];
    const attempts = 3; // the Stripe client's own two retries included
    world.proxy.failNext({ method: 'POST', path: METER_EVENTS, form: { 'payload[stripe_customer_id]': failing.customer } }, STRIPE_ERRORS.apiError(), attempts);

    const first = await sweep({ at: HOUR });
    expect(failuresOf(first.state.failures, accounts)).toEqual([{ account_id: failing.id, reason: 'An unknown error occurred' }]);
    expect(meterEvents(first.requests, failing).map((r) => r.outcome)).toEqual(Array(attempts).fill('fault'));
    for (const account of others) expect(sentEvents(first.requests, account)).toHaveLength(1);
    expect(first.state.accounts_reported).toBe(customersAccepted(first.requests));
    const identifier = `overage:${failing.id}:${period.key}:h2026030914`;
    expect(await db('overage_reports').where({ account_id: failing.id }).select('identifier', 'status')).toEqual([{ identifier, status: 'pending' }]);
    expect(await periodRow(failing, period.key)).toMatchObject({ overage: '2000000000', overage_reported: '0' });

    const next = await sweep({ at: NEXT_HOUR });
    expect(failuresOf(next.state.failures, accounts)).toEqual([]);
    expect(sentEvents(next.requests, failing).map((r) => [r.form.identifier, r.idempotencyKey, r.form['payload[value]']])).toEqual([[identifier, identifier, '2000000000']]);
    for (const account of others) expect(meterEvents(next.requests, account)).toEqual([]);
    expect(await periodRow(failing, period.key)).toMatchObject({ overage: '2000000000', overage_reported: '2000000000' });
  });
});
