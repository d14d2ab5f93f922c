import crypto from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { payoutRunStateQuery, publisherPayoutRun, type PayoutRunInput } from '../../workflows/publisher-payout.workflow';
import { EXACT_PER_MINOR } from '../../src/payouts/compute/accrual-split';
import { planPayoutRun } from '../../src/payouts/payout-run.service';
import { testDb } from '../helpers/db';
import { makeAccount, makePublisher, makeTool, privatePayoutMonth, startPayoutWorld, useTools, type PayoutWorld } from '../helpers/payout-harness';
import { runChain } from '../helpers/run-chain';

/**
 * The monthly payout run past its per-run limit (continue-as-new), with a small `perRun`: a real
 * worker on a private task queue, the real activities against PostgreSQL, and stripe-mock behind
 * the recording proxy, which sees every transfer.
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

interface Earner {
  publisherId: string;
  account: string;
  amount: string;
}

/** Publishers earning in `month`: the i-th one's tool is used 40 + i times at 100 credits, $(40 + i), 80% of it theirs. */
async function earners(month: Date, count: number): Promise<Earner[]> {
  const customer = await makeAccount(db, month);
  const made: Earner[] = [];
  for (let i = 0; i < count; i++) {
    const publisher = await makePublisher(db);
    await useTools(db, customer, [{ tool: await makeTool(db, publisher.id, '100'), quantity: 40 + i }], new Date(month.getTime() + 60_000));
    made.push({ publisherId: publisher.id, account: publisher.account!, amount: String((40 + i) * 80) });
  }
  return made;
}

function startRun(input: PayoutRunInput) {
  return world.client.workflow.start(publisherPayoutRun, {
    workflowId: `payout-run:${input.period}:${crypto.randomUUID()}`,
    taskQueue: world.taskQueue,
    args: [input],
  });
}

/** Every request to create a transfer to these publishers, whatever its outcome (replays included). */
const transferRequestsTo = (earners: Earner[]) => {
  const accounts = new Set(earners.map((e) => e.account));
  return world.proxy.requests.filter((r) => r.path === '/v1/transfers' && accounts.has(r.form.destination ?? ''));
};
/** The transfers Stripe created for them, as [destination, amount, idempotency key]. */
const transfersTo = (earners: Earner[]) => {
  const accounts = new Set(earners.map((e) => e.account));
  return world.proxy
    .transfersCreated((r) => accounts.has(r.form.destination ?? ''))
    .map((t) => [t.form.destination, t.form.amount, t.idempotencyKey])
    .sort();
};
const expectedTransfers = (earners: Earner[], period: string) => earners.map((e) => [e.account, e.amount, `payout:${e.publisherId}:${period}`]).sort();

describe('publisherPayoutRun across continue-as-new', () => {
  it('8 payouts at 3 per run: three runs, each publisher paid once, totals in the last run; a re-run pays nobody twice', async () => {
    const { period, start, end } = await privatePayoutMonth(db);
    const all = await earners(start, 8);
    const window = { period, asOf: end.toISOString(), currency: 'usd' };

    // Plan the period first, as the admin API does before it starts the run, so that the
    // publisher whose payout comes first (runs page in id order) can be made to wait for its
    // transfers capability: a held payout stays eligible, so a run that lost its place in the
    // period would evaluate it again.
    const planned = await planPayoutRun(db, { ...window, asOf: end });
    expect(planned).toHaveLength(8);
    const waiting = all.find((e) => e.publisherId === planned[0]!.publisherId)!;
    const seven = all.filter((e) => e !== waiting);
    await db('publishers').where({ id: waiting.publisherId }).update({ transfers_enabled: false });

    const run = await startRun({ period, perRun: 3 });
    const result = await run.result(); // follows the chain to its last run

    // Temporal's own record of the chain, 3 + 3 + 2 payouts: each run continued-as-new with the
    // payout it stopped after, the totals so far and the limit it was given.
    const payouts = await db('payouts').where({ period }).orderBy('id');
    expect(payouts.map((p) => p.id)).toEqual(planned.map((p) => p.payoutId));
    const chain = await runChain(world.client, run.workflowId, run.firstExecutionRunId);
    expect(chain.map((r) => [r.status, r.continuedWith])).toEqual([
      ['CONTINUED_AS_NEW', { perRun: 3, resume: { window, afterId: payouts[2].id, processed: 3, planned: 8, byStatus: { held: 1, paid: 2 } } }],
      ['CONTINUED_AS_NEW', { perRun: 3, resume: { window, afterId: payouts[5].id, processed: 6, planned: 8, byStatus: { held: 1, paid: 5 } } }],
      ['COMPLETED', null],
    ]);

    // The last run reports the whole period, in its result and in its state query.
    const totals = {
      step: 'done',
      period,
      asOf: end.toISOString(),
      planned: 8,
      processed: 8,
      byStatus: { held: 1, paid: 7 },
      periodCounts: { pending: 0, paid: 7, failed: 0, held: 1, carried_forward: 0 },
    };
    expect(result).toEqual(totals);
    const latest = world.client.workflow.getHandle(run.workflowId);
    expect((await latest.describe()).runId).toBe(chain[2]!.runId);
    expect(await latest.query(payoutRunStateQuery)).toEqual(totals);

    // Exactly once: one transfer per ready publisher at Stripe and a paid row each; none for the
    // one still waiting.
    expect(transfersTo(seven)).toEqual(expectedTransfers(seven, period));
    expect(transferRequestsTo([waiting])).toEqual([]);
    const statusOf = (rows: typeof payouts) => rows.map((p) => [p.publisher_id, p.status, p.amount, p.attempts]).sort();
    expect(statusOf(payouts)).toEqual(all.map((e) => [e.publisherId, e === waiting ? 'held' : 'paid', e.amount, e === waiting ? 0 : 1]).sort());

    // Re-run the period once the capability is active: it pays the held payout, and the seven
    // are not even asked about again.
    await db('publishers').where({ id: waiting.publisherId }).update({ transfers_enabled: true });
    const paidRows = payouts.filter((p) => p.status === 'paid');
    const requestsBefore = transferRequestsTo(seven).length;
    const again = await startRun({ period, perRun: 3 });
    expect(await again.result()).toMatchObject({ step: 'done', planned: 1, processed: 1, byStatus: { paid: 1 }, periodCounts: { paid: 8, held: 0, pending: 0 } });
    expect(transferRequestsTo(seven)).toHaveLength(requestsBefore);
    expect(transfersTo(all)).toEqual(expectedTransfers(all, period));
    expect(await db('payouts').whereIn('id', paidRows.map((p) => p.id)).orderBy('id')).toEqual(paidRows);

    // Every accrual is settled by its publisher's payout, summing exactly to what was paid.
    const accruals: Array<{ publisher_id: string; payout_id: string | null; publisher_exact: string }> = await db('publisher_accruals')
      .whereIn('publisher_id', all.map((e) => e.publisherId))
      .select('publisher_id', 'payout_id', 'publisher_exact');
    expect(accruals.filter((a) => a.payout_id === null)).toEqual([]);
    for (const payout of await db('payouts').where({ period })) {
      expect(payout.status).toBe('paid');
      const settled = accruals.filter((a) => a.payout_id === payout.id);
      expect(settled.every((a) => a.publisher_id === payout.publisher_id)).toBe(true);
      expect(settled.reduce((sum, a) => sum + BigInt(a.publisher_exact), 0n)).toBe(BigInt(payout.amount) * EXACT_PER_MINOR);
    }
  }, 120_000);

  // 0 would page nothing, so the run would "finish" having paid nobody.
  it.each([0, 2.5])('refuses perRun %p before it plans anything', async (perRun) => {
    const run = await startRun({ period: (await privatePayoutMonth(db)).period, perRun });
    const failure: unknown = await run.result().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'invalid_input', nonRetryable: true });
    const history = await run.fetchHistory();
    expect(history.events?.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
  });
});
