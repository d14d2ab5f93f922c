import fc from 'fast-check';
import { createAccount } from '../../src/accounts/accounts.service';
import { upsertModel, upsertTool } from '../../src/catalog/catalog.queries';
import { recordUsage, type UsageItemInput } from '../../src/credits/usage.service';
import { taskDetail } from '../../src/tasks/tasks.service';
import { creditPricing } from '../../src/payouts/payout-config';
import { AppError } from '../../src/shared/errors';
import { newId } from '../../src/shared/ids';
import { testDb } from '../helpers/db';
import { expectLedgerInvariants } from '../helpers/ledger-invariants';
import { testConfig } from '../helpers/payout-harness';

/**
 * A mixed stream of tool, token, minute and image events (with and without the agent markup,
 * spread over a few tasks) recorded concurrently through the real service and database function
 * on a hard-limit (free) or an overage (pro) account. Afterwards: the ledger invariants hold for
 * credits and tokens; a refused event wrote nothing in either unit; every recorded event's model
 * tokens were taken from the plan's token allowance by exactly one token entry (spent + overage =
 * its tokens), and an overage plan refused nothing; each task's creditsUsed equals the sum of its
 * recorded events, its lines add up to it, and the running total answered with its last event (in
 * ledger order) equals it.
 */
const db = testDb();
afterAll(() => db.destroy());

const MICRO = 1_000_000n;
const suffix = newId('chk');
const TOOL = `prop.units.${suffix}`;
const LLM = `prop-llm-${suffix}`;
const SPEECH = `prop-speech-${suffix}`;
const VISION = `prop-vision-${suffix}`;
const TASKS = ['t1', 't2', 't3'];

const item: fc.Arbitrary<UsageItemInput> = fc.oneof(
  fc.record({ type: fc.constant('tool' as const), tool: fc.constant(TOOL), quantity: fc.integer({ min: 1, max: 5 }) }),
  fc.record({
    type: fc.constant('model' as const), model: fc.constant(LLM),
    input_tokens: fc.integer({ min: 0, max: 2_000_000 }), output_tokens: fc.integer({ min: 0, max: 500_000 }),
    cache_write_tokens: fc.integer({ min: 0, max: 100_000 }), cache_read_tokens: fc.integer({ min: 0, max: 1_000_000 }),
  }),
  fc.record({
    type: fc.constant('model' as const), model: fc.constant(SPEECH), input_tokens: fc.constant(0), output_tokens: fc.constant(0),
    cache_write_tokens: fc.constant(0), cache_read_tokens: fc.constant(0), minutes: fc.integer({ min: 0, max: 30_000 }).map((milli) => milli / 1000),
  }),
  fc.record({
    type: fc.constant('model' as const), model: fc.constant(VISION), input_tokens: fc.integer({ min: 0, max: 10_000 }), output_tokens: fc.constant(0),
    cache_write_tokens: fc.constant(0), cache_read_tokens: fc.constant(0), images: fc.integer({ min: 0, max: 8 }),
  }),
);
const tokensOf = (row: any) => BigInt(row.input_tokens) + BigInt(row.output_tokens) + BigInt(row.cache_write_tokens) + BigInt(row.cache_read_tokens);
const event = fc.record({ items: fc.array(item, { minLength: 1, maxLength: 4 }), agent: fc.boolean(), task: fc.option(fc.constantFrom(...TASKS), { nil: null }) });

describe('usage units and tasks (property)', () => {
  beforeAll(async () => {
    await upsertTool(db, { id: TOOL, publisher_id: null, credits_per_execution: String(3n * MICRO), description: 'units property tool' });
    const none = { credit_cache_write_per_1m: null, credit_cache_read_per_1m: null, provider_cost_input_per_1m: null, provider_cost_output_per_1m: null };
    await upsertModel(db, { name: LLM, provider: 'p', aliases: [], credit_input_per_1m: '3000000', credit_output_per_1m: '15000000', ...none, credit_cache_write_per_1m: '3750000', credit_cache_read_per_1m: '300000' });
    await upsertModel(db, { name: SPEECH, provider: 'p', aliases: [], credit_input_per_1m: null, credit_output_per_1m: null, ...none, credit_per_minute: '600000' });
    await upsertModel(db, { name: VISION, provider: 'p', aliases: [], credit_input_per_1m: '2000000', credit_output_per_1m: null, ...none, credit_per_image: '250000' });
  });

  it('keeps the ledger invariants, and every task total equals its events, its lines and its last running total', async () => {
    const seen = { recorded: 0, refused: 0, refusedForTokens: 0, tokenOverage: 0, withMinutes: 0, withImages: 0 };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('free', 'pro'), fc.array(fc.array(event, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }), async (plan, groups) => {
        const account = await createAccount(db, { name: 'units property', plan });
        const answers: Array<{ task: string | null; transactionId: string; total: number | undefined }> = [];
        for (const group of groups) {
          await Promise.all(
            group.map(async (e) => {
              try {
                const recorded = await recordUsage(db, {
                  accountId: account.id, idempotencyKey: newId('chk'), requestHash: 'u', agent: null, taskId: e.task,
                  timestamp: null, markup: e.agent ? 'agent' : null, items: e.items, creditPricing: creditPricing(testConfig()),
                });
                seen.recorded++;
                if (e.items.some((i) => i.type === 'model' && (i.minutes ?? 0) > 0)) seen.withMinutes++;
                if (e.items.some((i) => i.type === 'model' && (i.images ?? 0) > 0)) seen.withImages++;
                answers.push({ task: e.task, transactionId: recorded.body.transaction_id, total: recorded.body.task_total_credits });
                expect(recorded.body.task_total_credits === undefined).toBe(e.task === null);
              } catch (error) {
                if (!(error instanceof AppError && error.status === 402 && plan === 'free')) throw error;
                seen.refused += 1;
                if (error.code === 'insufficient_tokens') seen.refusedForTokens += 1;
              }
            }),
          );
        }
        await expectLedgerInvariants(db, account.id);
        const recordedEvents = await db('usage_events').where({ account_id: account.id });
        expect(recordedEvents).toHaveLength(answers.length); // refusals wrote nothing
        const tokenEntries = await db('ledger_entries').where({ account_id: account.id, unit: 'tokens', type: 'usage' });
        const withTokens = recordedEvents.filter((row: any) => tokensOf(row) > 0n);
        expect(tokenEntries.map((entry: any) => entry.reference).sort()).toEqual(withTokens.map((row: any) => row.id).sort());
        for (const entry of tokenEntries) {
          const recorded = recordedEvents.find((row: any) => row.id === entry.reference);
          expect(-BigInt(entry.amount) + BigInt(entry.overage)).toBe(tokensOf(recorded));
          if (BigInt(entry.overage) > 0n) seen.tokenOverage += 1;
        }

        for (const task of TASKS) {
          const mine = recordedEvents.filter((row: any) => row.task_id === task);
          if (mine.length === 0) continue;
          const sum = mine.reduce((total: bigint, row: any) => total + BigInt(row.credits_charged), 0n);
          const detail = await taskDetail(db, account.id, task);
          expect(BigInt(Math.round(detail.creditsUsed * 1e6))).toBe(sum);
          expect(detail.events).toBe(mine.length);
          const lines = detail.breakdown.reduce((total, line) => total + BigInt(Math.round(line.credits * 1e6)), 0n);
          expect(lines).toBe(sum);
          const entries = await db('ledger_entries').whereIn('id', answers.filter((a) => a.task === task).map((a) => a.transactionId)).orderBy('seq', 'desc');
          const last = answers.find((a) => a.transactionId === entries[0].id)!;
          expect(BigInt(Math.round(last.total! * 1e6))).toBe(sum);
        }
      }),
      { numRuns: 25 },
    );
    expect(seen.recorded).toBeGreaterThan(20);
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.refusedForTokens).toBeGreaterThan(0);
    expect(seen.tokenOverage).toBeGreaterThan(0);
    expect(seen.withMinutes).toBeGreaterThan(0);
    expect(seen.withImages).toBeGreaterThan(0);
  });
});
