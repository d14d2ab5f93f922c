import crypto from 'node:crypto';
import fc from 'fast-check';
import { rollUpUsageStep, SETTLE_LAG_MS } from '../../src/credits/usage-rollup';
import { microToCredits } from '../../src/shared/amounts';
import { api } from '../helpers/api';
import { testDb } from '../helpers/db';
import { newAccount, newTool, type TestAccount } from '../factories/accounts';

/**
 * Issue 14: a random stream of usage (two accounts, a few days, agents, tools and models, agent
 * markup, groups written concurrently, late for earlier days in any order) with rollups at random
 * points and random batch sizes. After every rollup and at the end, every usage report over HTTP
 * (grouped by day, tool, agent and model, with and without an agent filter, over the month and
 * over a random range cut mid-day) equals the sum of the raw rows, computed here by plain SQL.
 */
const db = testDb();
afterAll(() => db.destroy());

const year = 1200 + crypto.randomInt(600);
const month = `${year}-07`;
const AGENTS = [null, 'x', 'y'];
let accounts: TestAccount[] = [];
let tool = '';
let model = '';

const use = fc.record({
  account: fc.integer({ min: 0, max: 1 }),
  day: fc.integer({ min: 1, max: 4 }),
  minute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
  agent: fc.constantFrom(...AGENTS),
  markup: fc.boolean(),
  tool: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
  tokens: fc.option(fc.record({ input_tokens: fc.integer({ min: 0, max: 30_000 }), output_tokens: fc.integer({ min: 0, max: 9_000 }), cache_read_tokens: fc.integer({ min: 0, max: 50_000 }) }), { nil: null }),
});
type Use = typeof use extends fc.Arbitrary<infer T> ? T : never;
const step = fc.oneof(
  fc.array(use, { minLength: 1, maxLength: 4 }).map((uses) => ({ uses })),
  fc.integer({ min: 1, max: 4 }).map((batch) => ({ rollUp: batch })),
);
const instant = (day: number, minute: number) => new Date(Date.UTC(year, 6, day, 0, minute));
const range = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1439 }))
  .map(([day, minute, days, length]) => ({ from: instant(day, minute), to: instant(day + days, minute + length) }));

async function record(u: Use): Promise<void> {
  const items: unknown[] = [];
  if (u.tool !== null) items.push({ type: 'tool', tool, quantity: u.tool });
  if (u.tokens !== null || items.length === 0) items.push({ type: 'model', model, ...(u.tokens ?? { input_tokens: 1000 }) });
  const body = { items, timestamp: instant(u.day, u.minute).toISOString(), ...(u.agent ? { agent: u.agent } : {}), ...(u.markup ? { markup: 'agent' } : {}) };
  const response = await api('POST', '/v1/usage', { key: accounts[u.account]!.key, body });
  expect(response.status).toBe(201);
}

async function rollUp(batch: number): Promise<void> {
  const { rows } = await db.raw<{ rows: Array<{ now: Date }> }>('select now()');
  const now = new Date(rows[0]!.now.getTime() + SETTLE_LAG_MS);
  while ((await rollUpUsageStep(db, { batch, now })).events > 0);
}

/** The report as the raw rows answer it (the queries the reports ran before the rollup). */
async function rawReport(account: TestAccount, groupBy: string, window: { from: Date; to: Date } | null, agent: string | null) {
  const key = { day: `to_char(date_trunc('day', occurred_at at time zone 'UTC'), 'YYYY-MM-DD')`, tool: 'tool', agent: `coalesce(agent, '(none)')`, model: 'model' }[groupBy]!;
  const where = (table: string) => {
    const sql = [`account_id = ?`];
    const bindings: unknown[] = [account.id];
    if (table === 'usage_items' && (groupBy === 'tool' || groupBy === 'model')) sql.push(`kind = '${groupBy}'`);
    if (window) {
      sql.push('occurred_at >= ? and occurred_at < ?');
      bindings.push(window.from, window.to);
    }
    if (agent) {
      sql.push('agent = ?');
      bindings.push(agent);
    }
    return { sql: sql.join(' and '), bindings: bindings as Array<string | Date> };
  };
  const lines = where('usage_items');
  const { rows } = await db.raw<{ rows: Array<{ key: string; executions: string; credits: string }> }>(
    `select ${key} as key, sum(quantity)::text as executions, sum(credits)::text as credits from usage_items where ${lines.sql} group by 1 order by sum(credits) desc, 1`,
    lines.bindings,
  );
  const events = where('usage_events');
  const charged = await db.raw<{ rows: Array<{ charged: string }> }>(`select coalesce(sum(credits_charged), 0)::text as charged from usage_events where ${events.sql}`, events.bindings);
  const executions = rows.reduce((sum, row) => sum + BigInt(row.executions), 0n);
  return {
    usage: rows.map((row) => {
      const [n, credits] = [BigInt(row.executions), BigInt(row.credits)];
      return { [groupBy]: row.key, executions: Number(n), credits_used: microToCredits(credits), avg_credits_per_call: microToCredits((credits * 2n + n) / (n * 2n)) };
    }),
    total_executions: Number(executions),
    total_credits: microToCredits(rows.reduce((sum, row) => sum + BigInt(row.credits), 0n)),
    total_charged: microToCredits(charged.rows[0]!.charged),
  };
}

async function expectReportsEqualRawRows(window: { from: Date; to: Date }): Promise<void> {
  for (const account of accounts) {
    for (const groupBy of ['day', 'tool', 'agent', 'model']) {
      for (const agent of [null, 'x']) {
        for (const bounds of [null, window]) {
          const query = new URLSearchParams({ group_by: groupBy, ...(agent ? { agent } : {}), ...(bounds ? { start_date: bounds.from.toISOString(), end_date: bounds.to.toISOString() } : {}) });
          const report = await api('GET', `/v1/billing/usage?${query.toString()}`, { key: account.key });
          expect(report.status).toBe(200);
          expect(report.body).toEqual(await rawReport(account, groupBy, bounds, agent));
        }
      }
    }
    const { rows } = await db.raw<{ rows: Array<{ tokens: string }> }>(
      'select coalesce(sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens), 0)::text as tokens from usage_events where account_id = ?',
      [account.id],
    );
    expect((await api('GET', '/v1/subscription', { key: account.key })).body.usage.totalTokensUsed).toBe(Number(rows[0]!.tokens));
  }
  const { rows } = await db.raw<{ rows: Array<{ calls: number; credits: string }> }>(
    `select count(*)::int as calls, coalesce(sum(credits_charged), 0)::text as credits from usage_events where account_id in (?, ?)`,
    [accounts[0]!.id, accounts[1]!.id],
  );
  const margin = await api('GET', `/v1/admin/reports/margin?period=${month}&group_by=account`, { key: 'admin' });
  expect(margin.body.totals).toMatchObject({ calls: rows[0]!.calls, credits: microToCredits(rows[0]!.credits) });
}

describe('usage rollup (property)', () => {
  beforeAll(async () => {
    accounts = [await newAccount('pro', { period_start: `${month}-01T00:00:00Z` }), await newAccount('pro', { period_start: `${month}-01T00:00:00Z` })];
    tool = await newTool(3);
    model = `rollup-prop-${crypto.randomUUID().slice(0, 8)}`;
    const put = await api('PUT', `/v1/admin/models/${model}`, { key: 'admin', body: { provider: 'p', creditInputPer1M: 3, creditOutputPer1M: 15, creditCacheReadPer1M: 0.3 } });
    expect(put.status).toBe(200);
  });

  it('every usage report equals the raw-row sum, whatever was rolled up when', async () => {
    const seen = { rollUps: 0, uses: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), range, async (steps, window) => {
        for (const s of steps) {
          if ('uses' in s) {
            await Promise.all(s.uses.map(record));
            seen.uses += s.uses.length;
          } else {
            await rollUp(s.rollUp);
            seen.rollUps += 1;
            await expectReportsEqualRawRows(window);
          }
        }
        await expectReportsEqualRawRows(window);
      }),
      { numRuns: 12 },
    );
    expect(seen.rollUps).toBeGreaterThan(3);
    expect(seen.uses).toBeGreaterThan(20);
  });
});
