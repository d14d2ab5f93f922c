import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { createAccount, createPublisher } from '../../src/accounts/accounts.service';
import { catalogCache } from '../../src/catalog/catalog-cache';
import { upsertTool } from '../../src/catalog/catalog.queries';
import { loadConfig } from '../../src/config/config';
import { recordUsage } from '../../src/credits/usage.service';
import { creditPricing, type CreditPricing } from '../../src/payouts/payout-config';
import { mapConcurrent } from '../../src/shared/map-concurrent';
import { call, type StackInfo } from '../chaos/own-stack';
import type { LoadAccount } from './load';

/** Past months of their own: the close of CLOSE_PERIOD and the payout run of PAYOUT_PERIOD. */
export const CLOSE_PERIOD = { key: '2020-01', start: new Date(Date.UTC(2020, 0, 1)) };
export const PAYOUT_PERIOD = { key: '2020-03', start: new Date(Date.UTC(2020, 2, 1)) };
const TOOL = 'topology.tool';

// the price accruals are valued at, parsed from the environment the API processes get too
let parsedPricing: CreditPricing | null = null;
const pricing = () => (parsedPricing ??= creditPricing(loadConfig(process.env, 'embedded')));

const use = (db: Knex, accountId: string, tool: string, quantity: number, at: Date) =>
  recordUsage(db, { accountId, idempotencyKey: `req:${crypto.randomUUID()}`, requestHash: 'topology', agent: null, taskId: null, timestamp: at, markup: null, items: [{ type: 'tool', tool, quantity }], creditPricing: pricing() });

/** Accounts the steady load debits, each with a deposit far larger than the run can spend. */
export async function seedLoadAccounts(db: Knex, target: StackInfo, count: number): Promise<LoadAccount[]> {
  const accounts: LoadAccount[] = [];
  for (let i = 0; i < count; i++) {
    const account = await createAccount(db, { name: `Topology load ${i}`, plan: 'free' });
    const deposit = await call(target, 'POST', '/v1/admin/credits/deposit', { key: target.adminApiKey, body: { account_id: account.id, amount: 1_000_000, idempotency_key: 'topology-deposit' } });
    if (deposit.status !== 201) throw new Error(`deposit failed: ${deposit.status} ${JSON.stringify(deposit.body)}`);
    accounts.push({ id: account.id, key: account.api_key });
  }
  return accounts;
}

/** Accounts whose period is CLOSE_PERIOD, with usage: 90 % Free, 10 % Pro in overage (meter report + invoice), as bench:close. */
export async function seedCloseAccounts(db: Knex, count: number, log: (line: string) => void): Promise<void> {
  await upsertTool(db, { id: TOOL, publisher_id: null, credits_per_execution: '5000000', description: null });
  catalogCache(db).invalidate();
  let seeded = 0;
  await mapConcurrent(Array.from({ length: count }, (_, i) => i), 12, async (i) => {
    const pro = i % 10 === 0;
    const account = await createAccount(db, {
      name: `Topology close ${i}`,
      plan: pro ? 'pro' : 'free',
      periodStart: CLOSE_PERIOD.start,
      stripeCustomerId: pro ? `cus_topology${i}` : undefined,
    });
    await use(db, account.id, TOOL, pro ? 2100 : 3, new Date(CLOSE_PERIOD.start.getTime() + 86_400_000));
    if (++seeded % 500 === 0) log(`  ${seeded}/${count} accounts to close`);
  });
}

/** Publishers with a connected account and earnings in PAYOUT_PERIOD above the payout minimum. */
export async function seedPublishers(db: Knex, count: number): Promise<void> {
  const publishers = await mapConcurrent(Array.from({ length: count }, (_, i) => i), 8, async (i) => {
    const publisher = await createPublisher(db, { name: `Topology publisher ${i}`, stripeAccountId: `acct_topology${crypto.randomBytes(6).toString('hex')}` });
    await db('publishers').where({ id: publisher.id }).update({ transfers_enabled: true });
    const tool = `topology.publisher${i}.run`;
    await upsertTool(db, { id: tool, publisher_id: publisher.id, credits_per_execution: '5000000', description: null });
    return tool;
  });
  catalogCache(db).invalidate(); // every tool exists before the first usage loads the catalog
  await mapConcurrent(publishers, 8, async (tool, i) => {
    const customer = await createAccount(db, { name: `Topology customer ${i}`, plan: 'pro', periodStart: PAYOUT_PERIOD.start });
    await use(db, customer.id, tool, 1000, new Date(PAYOUT_PERIOD.start.getTime() + 3_600_000));
  });
}
