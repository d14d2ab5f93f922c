import fc from 'fast-check';
import { postCredit } from '../../src/credits/ledger.service';
import { InsufficientCreditsError } from '../../src/credits/credits-errors';
import { recordUsage } from '../../src/credits/usage.service';
import { updatePublisherSettings } from '../../src/payouts/connect.service';
import { creditPricing } from '../../src/payouts/payout-config';
import { shareUnits } from '../../src/payouts/compute/accrual-split';
import { preparePayout } from '../../src/payouts/prepare-payout';
import { publisherEarnings } from '../../src/payouts/earnings.service';
import { reverseAccrualsFundedBy } from '../../src/payouts/reverse-accruals';
import { newId } from '../../src/shared/ids';
import { testDb } from '../helpers/db';
import { makeAccount, makePublisher, makeTool, monthStart, planOne, periodOf, testConfig, useTools } from '../helpers/payout-harness';

const db = testDb();
afterAll(() => db.destroy());

const PRICE = 1_000_000n; // $0.01 per credit in micro-cents (the default CREDIT_UNIT_PRICE)
const E17 = 10n ** 17n;

async function accrualsOf(publisherId: string) {
  return db('publisher_accruals').where({ publisher_id: publisherId }).orderBy('created_at').orderBy('id');
}

describe('accrual on every debit (settle_debit writes publisher_accruals in the debit transaction)', () => {
  const since = monthStart(0);

  it("accrues 80% of the tool line's credits, exactly, and none of the agent markup", async () => {
    const publisher = await makePublisher(db);
    const tool = await makeTool(db, publisher.id, '2.5');
    const platformTool = await makeTool(db, null, '4');
    const account = await makeAccount(db, since);
    const usage = await useTools(db, account, [{ tool, quantity: 3 }, { tool: platformTool, quantity: 1 }], new Date(), { markup: true });
    expect(usage.body.markup_credits).toBeGreaterThan(0);

    const rows = await accrualsOf(publisher.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: `${usage.body.id}:0`,
      kind: 'usage',
      account_id: account,
      usage_event_id: usage.body.id,
      tool,
      quantity: '3',
      credits: '7500000',
      unit_price_micro_minor: PRICE.toString(),
      share: '0.80000',
      currency: 'usd',
      payout_id: null,
    });
    // 7.5 credits × $0.01 × 80% = 6 cents = 6 × 10^17 exact units; the platform keeps 1.5 cents
    expect(BigInt(rows[0].publisher_exact)).toBe(6n * E17);
    expect(BigInt(rows[0].platform_exact)).toBe(15n * E17 / 10n);
    expect(rows[0].created_at).toBeInstanceOf(Date);
  });

  it('accrues nothing for a replayed debit, a refused (402) debit or a platform tool', async () => {
    const publisher = await makePublisher(db);
    const tool = await makeTool(db, publisher.id, '60');
    const account = await makeAccount(db, since, 'free'); // 100 credits, hard limit
    const usage = { accountId: account, idempotencyKey: 'req:same', requestHash: 'h1', agent: null, taskId: null, timestamp: null, markup: null, creditPricing: creditPricing(testConfig()) };
    const first = await recordUsage(db, { ...usage, items: [{ type: 'tool', tool, quantity: 1 }] });
    const replay = await recordUsage(db, { ...usage, items: [{ type: 'tool', tool, quantity: 1 }] });
    expect(replay.replayed).toBe(true);
    await expect(useTools(db, account, [{ tool, quantity: 1 }], new Date())).rejects.toBeInstanceOf(InsufficientCreditsError);
    const rows = await accrualsOf(publisher.id);
    expect(rows.map((r) => r.usage_event_id)).toEqual([first.body.id]);
  });

  it('accrues for a publisher created a moment ago (the share cache never drops an accrual)', async () => {
    const account = await makeAccount(db, since);
    for (let i = 0; i < 3; i++) {
      const publisher = await makePublisher(db, { share: '0.5' });
      const tool = await makeTool(db, publisher.id, '1');
      await useTools(db, account, [{ tool, quantity: 2 }], new Date());
      const rows = await accrualsOf(publisher.id);
      expect(rows).toHaveLength(1);
      expect(BigInt(rows[0].publisher_exact)).toBe(1n * E17); // 2 credits × 1 cent × 50%
    }
  });

  it('keeps publisher + platform == value exactly over random debits, prices and shares (fast-check, real database)', async () => {
    const account = await makeAccount(db, since);
    const publishers = await Promise.all([makePublisher(db), makePublisher(db), makePublisher(db)]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            publisher: fc.integer({ min: 0, max: 2 }),
            microCredits: fc.bigInt({ min: 1n, max: 50_000_000n }),
            quantity: fc.integer({ min: 1, max: 500 }),
            share: fc.integer({ min: 0, max: 100_000 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        async (lines) => {
          const items: Array<{ tool: string; quantity: number }> = [];
          for (const line of lines) {
            const publisher = publishers[line.publisher]!;
            await updatePublisherSettings(db, publisher.id, { revenueShare: BigInt(line.share) });
            const credits = (Number(line.microCredits) / 1e6).toFixed(6);
            items.push({ tool: await makeTool(db, publisher.id, credits), quantity: line.quantity });
          }
          // Same publisher twice in one event: the last share set applies to both lines.
          const usage = await useTools(db, account, items, new Date());
          const rows = await db('publisher_accruals').where({ usage_event_id: usage.body.id }).orderBy('position');
          expect(rows).toHaveLength(lines.length);
          let value = 0n;
          let parts = 0n;
          rows.forEach((row, index) => {
            const line = lines[index]!;
            const credits = line.microCredits * BigInt(line.quantity);
            const share = shareUnits(row.share);
            expect(BigInt(row.credits)).toBe(credits);
            expect(BigInt(row.publisher_exact)).toBe(credits * PRICE * share);
            expect(BigInt(row.publisher_exact)).toBeGreaterThanOrEqual(0n);
            expect(BigInt(row.platform_exact)).toBeGreaterThanOrEqual(0n);
            value += credits * PRICE * 100_000n;
            parts += BigInt(row.publisher_exact) + BigInt(row.platform_exact);
          });
          expect(parts).toBe(value);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('refuses to change or delete an accrual (only payout_id may change)', async () => {
    const publisher = await makePublisher(db);
    const tool = await makeTool(db, publisher.id, '1');
    const usage = await useTools(db, await makeAccount(db, since), [{ tool, quantity: 1 }], new Date());
    const id = `${usage.body.id}:0`;
    await expect(db('publisher_accruals').where({ id }).update({ publisher_exact: '1' })).rejects.toThrow(/append-only/);
    await expect(db('publisher_accruals').where({ id }).delete()).rejects.toThrow(/append-only/);
  });
});

describe('reverseAccrualsFundedBy (refunds: negative carry-forward)', () => {
  const since = monthStart(1);

  async function fundedAccount(credits: number) {
    const account = await makeAccount(db, since, 'enterprise'); // no included credits, overage allowed
    const grant = await postCredit(db, {
      accountId: account,
      unit: 'credits',
      kind: 'purchased',
      amount: BigInt(credits) * 1_000_000n,
      type: 'purchase',
      idempotencyKey: `purchase:${newId('pur')}`,
      startsAt: since,
      effectiveAt: since,
    });
    return { account, grantId: grant.grant!.id };
  }

  it('reverses the share funded by the refunded purchase, pro rata, once per refund id', async () => {
    const publisher = await makePublisher(db);
    const tool = await makeTool(db, publisher.id, '10');
    const platformTool = await makeTool(db, null, '10');
    const { account, grantId } = await fundedAccount(100);
    await useTools(db, account, [{ tool, quantity: 3 }, { tool: platformTool, quantity: 1 }], new Date(since.getTime() + 1000)); // 40 credits from the grant
    await useTools(db, account, [{ tool, quantity: 9 }], new Date(since.getTime() + 2000)); // 60 from the grant, 30 overage

    const accrued = (await accrualsOf(publisher.id)).reduce((sum, r) => sum + BigInt(r.publisher_exact), 0n);
    expect(accrued).toBe(120_000_000n * PRICE * 80_000n); // 120 credits × 1 cent × 80% = 96 cents

    const refundId = `ref_${newId('ref').slice(4)}`;
    const half = await reverseAccrualsFundedBy(db, { grantId, refundId, fraction: { num: 1n, den: 2n } });
    expect(half).toMatchObject({ replayed: false, rows: 2 });
    // event 1: 30 of its 40 credits are the tool, all funded → 15 reversed; event 2: 60 of 90 funded → 90 × 60/90 / 2 = 30
    expect(half.byPublisher).toEqual([{ publisherId: publisher.id, credits: 45_000_000n, publisherExact: -45_000_000n * PRICE * 80_000n }]);
    const again = await reverseAccrualsFundedBy(db, { grantId, refundId, fraction: { num: 1n, den: 2n } });
    expect(again).toMatchObject({ replayed: true, rows: 0 });

    // A second, full refund reverses the rest of what the grant funded, never more.
    const rest = await reverseAccrualsFundedBy(db, { grantId, refundId: `${refundId}b`, fraction: { num: 1n, den: 1n } });
    expect(rest.byPublisher[0]!.credits).toBe(45_000_000n);
    const rows = await accrualsOf(publisher.id);
    const reversals = rows.filter((r) => r.kind === 'reversal');
    expect(reversals).toHaveLength(4);
    for (const row of reversals) {
      expect(BigInt(row.publisher_exact) + BigInt(row.platform_exact)).toBe(BigInt(row.credits) * PRICE * 100_000n);
      expect(BigInt(row.credits)).toBeLessThan(0n);
    }
    // 30 overage credits were not funded by the purchase: their 24 cents stay earned.
    const left = rows.reduce((sum, r) => sum + BigInt(r.publisher_exact), 0n);
    expect(left).toBe(30_000_000n * PRICE * 80_000n);
  });

  it('accepts the spent credits a refund covers instead of a fraction', async () => {
    const publisher = await makePublisher(db);
    const tool = await makeTool(db, publisher.id, '1');
    const { account, grantId } = await fundedAccount(50);
    await useTools(db, account, [{ tool, quantity: 40 }], new Date(since.getTime() + 1000));
    const result = await reverseAccrualsFundedBy(db, { grantId, refundId: newId('ref'), credits: 10_000_000n });
    expect(result.byPublisher[0]).toMatchObject({ credits: 10_000_000n });
  });

  it('lowers pending earnings after a payout, and a negative pending is carried forward', async () => {
    const publisher = await makePublisher(db);
    const tool = await makeTool(db, publisher.id, '100');
    const { account, grantId } = await fundedAccount(5000);
    await useTools(db, account, [{ tool, quantity: 40 }], new Date(since.getTime() + 1000)); // $40 × 80% = $32
    const period = periodOf(since);
    const asOf = monthStart(0);
    const payoutId = await planOne(db, publisher.id, period, asOf);
    const prepared = await preparePayout(db, testConfig(), { payoutId, asOf });
    expect(prepared).toMatchObject({ status: 'pending', amount: '3200' });
    // Pretend Stripe paid it (the transfer itself is covered by the workflow tests).
    await db('payouts').where({ id: payoutId }).update({ status: 'paid', transfer_id: 'tr_test', paid_at: new Date() });

    await reverseAccrualsFundedBy(db, { grantId, refundId: newId('ref'), fraction: { num: 1n, den: 1n } });
    const earnings = await publisherEarnings(db, publisher.id, 'usd');
    expect(earnings.earnings).toMatchObject({ total_earned: 0, pending_payout: -32, last_payout: 32 });

    const next = await planOne(db, publisher.id, periodOf(asOf), new Date());
    const carried = await preparePayout(db, testConfig(), { payoutId: next, asOf: new Date() });
    expect(carried).toMatchObject({ status: 'carried_forward', amount: '-3200' });
  });
});
