import { publisherPayout, publisherPayoutRun } from '../../workflows/publisher-payout.workflow';
import { EXACT_PER_MINOR } from '../../src/payouts/compute/accrual-split';
import { payoutWorkflowId } from '../../src/payouts/payout-keys';
import { PAYOUT_SCHEDULE_ID, payoutScheduleOptions } from '../../src/payouts/payout-schedule';
import { ensureSchedule } from '../../src/worker/schedules';
import { testDb } from '../helpers/db';
import {
  makeAccount,
  makePublisher,
  makeTool,
  monthStart,
  periodOf,
  planOne,
  startPayoutApi,
  startPayoutWorld,
  useTools,
  waitFor,
  type PayoutWorld,
} from '../helpers/payout-harness';
import { STRIPE_ERRORS, type RecordedRequest } from '../helpers/stripe-fault-proxy';

/**
 * Payouts against the real Temporal dev server, stripe-mock behind the fault-injecting proxy
 * (which also emulates Stripe's idempotency keys) and the embedded PostgreSQL.
 */
const db = testDb();
let world: PayoutWorld;

beforeAll(async () => {
  world = await startPayoutWorld(db);
}, 60000);
afterAll(async () => {
  await world.close();
  await db.destroy();
});

const M2 = monthStart(2);
const M1 = monthStart(1);
const M0 = monthStart(0);

async function runPayout(publisherId: string, period: string, asOf: Date, attempt = 1) {
  const payout = await db('payouts').where({ publisher_id: publisherId, period }).first();
  const payoutId = payout?.id ?? (await planOne(db, publisherId, period, asOf));
  return world.client.workflow.execute(publisherPayout, {
    workflowId: payoutWorkflowId(publisherId, period, attempt),
    taskQueue: world.taskQueue,
    args: [{ payoutId, publisherId, period, asOf: asOf.toISOString() }],
  });
}

const transfersOf = (payoutId: string) => world.proxy.transfersCreated((r) => r.form['metadata[payout_id]'] === payoutId);
const requestsOf = (payoutId: string): RecordedRequest[] =>
  world.proxy.requests.filter((r) => r.path === '/v1/transfers' && r.form['metadata[payout_id]'] === payoutId);

describe('publisherPayout: above the minimum', () => {
  it('sends one transfer with the expected amount, destination and idempotency key, and carries the sub-cent remainder', async () => {
    const publisher = await makePublisher(db, { share: '0.77777' });
    const tool = await makeTool(db, publisher.id, '3.333333');
    const account = await makeAccount(db, M2);
    await useTools(db, account, [{ tool, quantity: 1000 }], new Date(M2.getTime() + 3600_000));
    await useTools(db, account, [{ tool, quantity: 7 }], new Date(M1.getTime() + 3600_000)); // after as_of: next period

    const period = periodOf(M2);
    const state = await runPayout(publisher.id, period, M1);
    // 3,333.333 credits × $0.01 × 77.777% = $25.92558… → 2592 cents now, the rest carried
    const exact = 3_333_333_000n * 1_000_000n * 77_777n;
    const amount = exact / EXACT_PER_MINOR;
    expect(amount).toBe(2592n);
    expect(state).toMatchObject({ step: 'done', status: 'paid', amount: '2592', attempt: 1, idempotencyKey: `payout:${publisher.id}:${period}` });

    const payout = await db('payouts').where({ publisher_id: publisher.id, period }).first();
    expect(payout).toMatchObject({ status: 'paid', amount: '2592', attempts: 1, currency: 'usd', failure_reason: null });
    const transfers = transfersOf(payout.id);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]).toMatchObject({
      idempotencyKey: `payout:${publisher.id}:${period}`,
      form: expect.objectContaining({ amount: '2592', currency: 'usd', destination: publisher.account, 'metadata[payout_id]': payout.id, 'metadata[period]': period }),
    });
    expect(payout.transfer_id).toMatch(/^tr_/);

    // Settled accruals point at the payout and sum to exactly what was paid; the remainder and
    // the later usage are pending for the next period.
    const reserved = await db('publisher_accruals').where({ payout_id: payout.id }).sum({ total: 'publisher_exact' }).first();
    expect(BigInt(reserved!.total as string)).toBe(amount * EXACT_PER_MINOR);
    const carryIn = await db('publisher_accruals').where({ id: `carry:${payout.id}:in` }).first();
    expect(BigInt(carryIn.publisher_exact)).toBe(exact - amount * EXACT_PER_MINOR);
    expect(BigInt(payout.carried_exact)).toBe(exact - amount * EXACT_PER_MINOR);
    const all = await db('publisher_accruals').where({ publisher_id: publisher.id }).sum({ total: 'publisher_exact' }).first();
    const unsettled = await db('publisher_accruals').where({ publisher_id: publisher.id }).whereNull('payout_id').sum({ total: 'publisher_exact' }).first();
    expect(BigInt(all!.total as string)).toBe(amount * EXACT_PER_MINOR + BigInt(unsettled!.total as string));

    // Running the same payout again changes nothing and calls Stripe no more.
    const before = world.proxy.requests.length;
    expect(await runPayout(publisher.id, period, M1)).toMatchObject({ status: 'paid' });
    expect(world.proxy.requests.length).toBe(before);
  });
});

describe('publisherPayout: below the minimum and without a usable account', () => {
  it('carries forward below $25 and pays the month the total crosses it', async () => {
    const publisher = await makePublisher(db);
    const tool = await makeTool(db, publisher.id, '10');
    const account = await makeAccount(db, M2);
    await useTools(db, account, [{ tool, quantity: 100 }], new Date(M2.getTime() + 60_000)); // $10 → $8 earned
    const first = await runPayout(publisher.id, periodOf(M2), M1);
    expect(first).toMatchObject({ status: 'carried_forward', amount: '800' });

    await useTools(db, account, [{ tool, quantity: 300 }], new Date(M1.getTime() + 60_000)); // $30 → $24 earned
    const second = await runPayout(publisher.id, periodOf(M1), M0);
    expect(second).toMatchObject({ status: 'paid', amount: '3200' });

    const payouts = await db('payouts').where({ publisher_id: publisher.id }).orderBy('period');
    expect(payouts.map((p) => [p.period, p.status, p.amount])).toEqual([
      [periodOf(M2), 'carried_forward', '800'],
      [periodOf(M1), 'paid', '3200'],
    ]);
    expect(transfersOf(payouts[0].id)).toHaveLength(0);
    expect(transfersOf(payouts[1].id).map((t) => t.form.amount)).toEqual(['3200']);
  });

  it('holds a payout without a connected account, then pays it when the period is re-run after onboarding', async () => {
    const publisher = await makePublisher(db, { account: null });
    const tool = await makeTool(db, publisher.id, '50');
    await useTools(db, await makeAccount(db, M2), [{ tool, quantity: 100 }], new Date(M2.getTime() + 60_000)); // $40 earned
    const held = await runPayout(publisher.id, periodOf(M2), M1);
    expect(held).toMatchObject({ status: 'held', amount: '4000', failureCode: 'no_connected_account' });
    expect(held.failureReason).toMatch(/no connected Stripe account/);

    await db('publishers').where({ id: publisher.id }).update({ stripe_account_id: 'acct_1HeldThenOk', transfers_enabled: false });
    expect(await runPayout(publisher.id, periodOf(M2), M1)).toMatchObject({ status: 'held', failureCode: 'transfers_disabled' });

    await db('publishers').where({ id: publisher.id }).update({ transfers_enabled: true });
    const paid = await runPayout(publisher.id, periodOf(M2), M1);
    expect(paid).toMatchObject({ status: 'paid', amount: '4000' });
    const payout = await db('payouts').where({ publisher_id: publisher.id }).first();
    expect(transfersOf(payout.id).map((t) => t.form.destination)).toEqual(['acct_1HeldThenOk']);
  });
});

describe('publisherPayout: Stripe failures and finance-ops re-runs', () => {
  it.each([
    ['insufficient platform balance', STRIPE_ERRORS.balanceInsufficient(), 'balance_insufficient'],
    ['destination without the transfers capability', STRIPE_ERRORS.noTransfersCapability(), 'insufficient_capabilities_for_transfer'],
    ['invalid connected account', STRIPE_ERRORS.accountInvalid('acct_gone'), 'resource_missing'],
  ])('%s → failed with Stripe’s message → retry after the fault is gone → paid, one transfer', async (_name, fault, code) => {
    const publisher = await makePublisher(db);
    const tool = await makeTool(db, publisher.id, '100');
    await useTools(db, await makeAccount(db, M2), [{ tool, quantity: 50 }], new Date(M2.getTime() + 60_000)); // $40 earned
    const period = periodOf(M2);
    world.proxy.failNext({ method: 'POST', path: '/v1/transfers' }, fault);

    const failed = await runPayout(publisher.id, period, M1);
    const message = String((fault as Extract<typeof fault, { kind: 'error' }>).body.error.message);
    expect(failed).toMatchObject({ status: 'failed', failureCode: code, failureReason: message });
    const payout = await db('payouts').where({ publisher_id: publisher.id, period }).first();
    expect(payout).toMatchObject({ status: 'failed', attempts: 1, failure_code: code, failure_reason: message, transfer_id: null });
    expect(requestsOf(payout.id).map((r) => [r.idempotencyKey, r.outcome, r.status])).toEqual([[`payout:${publisher.id}:${period}`, 'fault', 400]]);

    // A re-run of the period leaves a failed payout alone: only an explicit retry moves it.
    expect(await runPayout(publisher.id, period, M1)).toMatchObject({ status: 'failed' });
    expect(requestsOf(payout.id)).toHaveLength(1);

    // Same key again would only replay Stripe's cached error: the retry uses attempt-2.
    const api = await startPayoutApi(world, db);
    try {
      const response = await fetch(`${api.url}/v1/admin/payouts/${payout.id}/retry`, { method: 'POST', headers: { authorization: `Bearer ${api.adminKey}` } });
      expect(response.status).toBe(202);
      const body: any = await response.json();
      expect(body).toMatchObject({ id: payout.id, status: 'pending', attempts: 2, workflow_id: `payout:${publisher.id}:${period}:retry-2` });
      const paid = await world.client.workflow.getHandle(body.workflow_id).result();
      expect(paid).toMatchObject({ status: 'paid', attempt: 2, idempotencyKey: `payout:${publisher.id}:${period}:attempt-2` });
    } finally {
      await api.close();
    }
    const transfers = transfersOf(payout.id);
    expect(transfers.map((t) => [t.idempotencyKey, t.form.amount])).toEqual([[`payout:${publisher.id}:${period}:attempt-2`, '4000']]);
    const attempts = await db('payout_attempts').where({ payout_id: payout.id }).orderBy('attempt');
    expect(attempts.map((a) => [a.attempt, a.status, a.failure_code])).toEqual([
      [1, 'failed', code],
      [2, 'paid', null],
    ]);
  });

  it('retries 5xx, 429 and dropped connections with the same key and pays once', async () => {
    const publisher = await makePublisher(db);
    const tool = await makeTool(db, publisher.id, '100');
    await useTools(db, await makeAccount(db, M2), [{ tool, quantity: 50 }], new Date(M2.getTime() + 60_000));
    const period = periodOf(M2);
    world.proxy.failNext({ method: 'POST', path: '/v1/transfers' }, STRIPE_ERRORS.apiError(), 3); // SDK retries exhausted → activity retry
    world.proxy.failNext({ method: 'POST', path: '/v1/transfers' }, STRIPE_ERRORS.rateLimited(), 1);
    world.proxy.failNext({ method: 'POST', path: '/v1/transfers' }, { kind: 'disconnect' }, 1);

    expect(await runPayout(publisher.id, period, M1)).toMatchObject({ status: 'paid', amount: '4000' });
    const payout = await db('payouts').where({ publisher_id: publisher.id, period }).first();
    const requests = requestsOf(payout.id);
    expect(requests.length).toBeGreaterThanOrEqual(6);
    expect(new Set(requests.map((r) => r.idempotencyKey))).toEqual(new Set([`payout:${publisher.id}:${period}`]));
    expect(transfersOf(payout.id)).toHaveLength(1);
    expect(payout).toMatchObject({ status: 'paid', attempts: 1 });
  }, 60000);

  it('ten concurrent retries of one failed payout → one wins, one transfer; a paid payout → 409', async () => {
    const publisher = await makePublisher(db);
    const tool = await makeTool(db, publisher.id, '100');
    await useTools(db, await makeAccount(db, M2), [{ tool, quantity: 50 }], new Date(M2.getTime() + 60_000));
    const period = periodOf(M2);
    world.proxy.failNext({ method: 'POST', path: '/v1/transfers' }, STRIPE_ERRORS.balanceInsufficient());
    expect(await runPayout(publisher.id, period, M1)).toMatchObject({ status: 'failed' });
    const payout = await db('payouts').where({ publisher_id: publisher.id, period }).first();

    const api = await startPayoutApi(world, db);
    try {
      const retry = () => fetch(`${api.url}/v1/admin/payouts/${payout.id}/retry`, { method: 'POST', headers: { authorization: `Bearer ${api.adminKey}` } });
      const responses = await Promise.all(Array.from({ length: 10 }, retry));
      const bodies: any[] = await Promise.all(responses.map((r) => r.json()));
      expect(responses.map((r) => r.status).sort()).toEqual([202, ...Array(9).fill(409)]);
      for (const body of bodies.filter((b) => b.error)) expect(body.error.code).toBe('conflict');
      const winner = bodies.find((b) => !b.error);
      await world.client.workflow.getHandle(winner.workflow_id).result();
      await waitFor('paid', async () => (await db('payouts').where({ id: payout.id, status: 'paid' }).first()) ?? null);

      const again = await retry();
      expect(again.status).toBe(409);
      const body: any = await again.json();
      expect(body.error).toMatchObject({ code: 'conflict', details: { status: 'paid' } });
    } finally {
      await api.close();
    }
    expect(transfersOf(payout.id)).toHaveLength(1);
    expect(await db('payout_attempts').where({ payout_id: payout.id }).count({ n: '*' }).first()).toEqual({ n: '2' });
  });
});

describe('publisherPayoutRun (the monthly run)', () => {
  it('plans the period, runs one child per publisher and reports progress in its state', async () => {
    const month = monthStart(30); // a period no other test touches: the run takes every publisher in it
    const next = monthStart(29);
    const account = await makeAccount(db, month);
    const above = await makePublisher(db);
    const below = await makePublisher(db);
    const unpaid = await makePublisher(db, { account: null });
    for (const [publisher, quantity] of [[above, 40], [below, 10], [unpaid, 40]] as const) {
      await useTools(db, account, [{ tool: await makeTool(db, publisher.id, '100'), quantity }], new Date(month.getTime() + 60_000));
    }
    const period = periodOf(month);
    const result = await world.client.workflow.execute(publisherPayoutRun, {
      workflowId: `payout-run:${period}:${Date.now()}`,
      taskQueue: world.taskQueue,
      args: [{ period }],
    });
    expect(result).toMatchObject({ step: 'done', period, asOf: next.toISOString(), planned: 3, processed: 3, byStatus: { paid: 1, carried_forward: 1, held: 1 } });
    const rows = await db('payouts').where({ period }).select('publisher_id', 'status', 'amount');
    expect(rows).toEqual(
      expect.arrayContaining([
        { publisher_id: above.id, status: 'paid', amount: '3200' },
        { publisher_id: below.id, status: 'carried_forward', amount: '800' },
        { publisher_id: unpaid.id, status: 'held', amount: '3200' },
      ]),
    );
    expect(rows).toHaveLength(3);
  });

  it('creates the monthly Schedule once and updates it in place (ensureSchedule is idempotent)', async () => {
    const scheduleId = `${PAYOUT_SCHEDULE_ID}-test-${Date.now()}`;
    const config = { PAYOUT_SCHEDULE_CRON: '0 6 1 * *', TEMPORAL_TASK_QUEUE: world.taskQueue };
    try {
      expect(await ensureSchedule(world.client, { scheduleId, ...payoutScheduleOptions(config) })).toEqual({ created: true });
      expect(await ensureSchedule(world.client, { scheduleId, ...payoutScheduleOptions({ ...config, PAYOUT_SCHEDULE_CRON: '0 7 2 * *' }) })).toEqual({ created: false });
      const description = await world.client.schedule.getHandle(scheduleId).describe();
      expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'publisherPayoutRun', taskQueue: world.taskQueue, args: [{}] });
      expect(description.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 7, end: 7, step: 1 }], dayOfMonth: [{ start: 2, end: 2, step: 1 }] });
      const next = description.info.nextActionTimes[0]!;
      expect(next.getUTCDate()).toBe(2);
      expect(next.getUTCHours()).toBe(7);
    } finally {
      await world.client.schedule.getHandle(scheduleId).delete();
    }
  });
});
