import type { Db } from '../db/knex';

export interface UsageEventRow {
  id: string;
  account_id: string;
  ledger_entry_id: string;
  agent: string | null;
  task_id: string | null;
  credits_charged: string;
  markup: string;
  rounding: string;
  overage: string;
  balance_after: string;
  provider_cost: string;
  input_tokens: string;
  output_tokens: string;
  cache_write_tokens: string;
  cache_read_tokens: string;
  breakdown: unknown[];
  occurred_at: Date;
  created_at: Date;
}

export async function findUsageEventByEntry(db: Db, ledgerEntryId: string): Promise<UsageEventRow | null> {
  return (await db<UsageEventRow>('usage_events').where({ ledger_entry_id: ledgerEntryId }).first()) ?? null;
}

/** `accountId` null: any account's event (the admin's view). */
export async function findUsageEvent(db: Db, accountId: string | null, id: string): Promise<UsageEventRow | null> {
  return (await db<UsageEventRow>('usage_events').where(accountId === null ? { id } : { account_id: accountId, id }).first()) ?? null;
}
