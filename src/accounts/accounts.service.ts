import type { Knex } from 'knex';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { newId, newSecret, sha256Hex } from '../shared/ids';
import { monthContaining } from '../periods/compute/calendar-month';
import { findAccount, insertAccount, insertApiKey, insertPublisher, revokeApiKey } from './accounts.queries';
import { findPlan } from '../catalog/catalog.queries';
import { insertBalanceRows } from '../credits/ledger.queries';
import { grantPeriodAllowance } from '../credits/period-allowance';
import { notifyKeyRevoked } from './key-revocations';

export interface CreateAccountInput {
  name: string;
  plan: string;
  email?: string;
  stripeCustomerId?: string;
  /** A past period start for migrated customers; floored to its UTC month. */
  periodStart?: Date;
}

export interface IssuedKey {
  keyId: string;
  apiKey: string;
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === '23505';
}

async function issueKey(trx: Knex.Transaction, owner: { role: 'account'; accountId: string } | { role: 'publisher'; publisherId: string }): Promise<IssuedKey> {
  const apiKey = newSecret('sk');
  const keyId = newId('key');
  await insertApiKey(trx, {
    id: keyId,
    key_hash: sha256Hex(apiKey),
    prefix: apiKey.slice(0, 14),
    role: owner.role,
    ...(owner.role === 'account' ? { account_id: owner.accountId } : { publisher_id: owner.publisherId }),
  });
  return { keyId, apiKey };
}

export async function createAccount(db: Knex, input: CreateAccountInput, now = new Date()) {
  const plan = await findPlan(db, input.plan);
  if (!plan) {
    throw new ValidationError(`Unknown plan '${input.plan}'; create it with PUT /v1/admin/plans/${input.plan}`, { field: 'plan' });
  }
  if (input.periodStart && input.periodStart > now) {
    throw new ValidationError('period_start must not be in the future', { field: 'period_start' });
  }
  if (input.stripeCustomerId && (await db('accounts').where({ stripe_customer_id: input.stripeCustomerId }).first('id'))) {
    throw new ConflictError('That stripe_customer_id already belongs to another account', { field: 'stripe_customer_id' });
  }
  const period = monthContaining(input.periodStart ?? now);
  const id = newId('acct');
  return db.transaction(async (trx) => {
    await insertAccount(trx, {
      id,
      name: input.name,
      email: input.email ?? null,
      plan_id: input.plan,
      stripe_customer_id: input.stripeCustomerId ?? null,
      period_start: period.start,
      period_end: period.end,
    });
    await insertBalanceRows(trx, id);
    await grantPeriodAllowance(trx, id, plan, period);
    const key = await issueKey(trx, { role: 'account', accountId: id });
    return { id, name: input.name, plan: input.plan, email: input.email ?? null, period_start: period.start, period_end: period.end, api_key: key.apiKey, key_id: key.keyId };
  });
}

export async function issueAccountKey(db: Knex, accountId: string): Promise<IssuedKey> {
  return db.transaction(async (trx) => {
    if (!(await findAccount(trx, accountId))) throw new NotFoundError('Account', accountId);
    return issueKey(trx, { role: 'account', accountId });
  });
}

/** Revokes a key and announces it in the same transaction, so every API process forgets it at once. */
export async function revokeKey(db: Knex, keyId: string): Promise<void> {
  await db.transaction(async (trx) => {
    if (!(await revokeApiKey(trx, keyId))) throw new NotFoundError('API key', keyId);
    await notifyKeyRevoked(trx, keyId);
  });
}

export async function createPublisher(db: Knex, input: { name: string; stripeAccountId?: string }) {
  const id = newId('pub');
  try {
    return await db.transaction(async (trx) => {
      await insertPublisher(trx, { id, name: input.name, stripe_account_id: input.stripeAccountId ?? null });
      const key = await issueKey(trx, { role: 'publisher', publisherId: id });
      return { id, name: input.name, stripe_account_id: input.stripeAccountId ?? null, api_key: key.apiKey, key_id: key.keyId };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('That stripe_account_id already belongs to another publisher', { field: 'stripe_account_id' });
    throw error;
  }
}
