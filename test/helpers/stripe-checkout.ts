import type { Knex } from 'knex';
import { api } from './api';

/** Checkout test flows against the real stack, and the ledger invariants of ARCHITECTURE.md. */

export interface TestAccount {
  id: string;
  apiKey: string;
}

export async function createTestAccount(name = 'Checkout Co', plan = 'free'): Promise<TestAccount> {
  const created = await api('POST', '/v1/admin/accounts', { key: 'admin', body: { name, plan } });
  if (created.status !== 201) throw new Error(`account not created: ${created.text}`);
  return { id: created.body.id, apiKey: created.body.api_key };
}

/** POST /v1/billing/credits/purchase; returns the 201 body. */
export async function purchaseCredits(account: TestAccount, credits: number): Promise<{ purchase_id: string; amount_due: number; currency: string; checkout_url: string }> {
  const response = await api('POST', '/v1/billing/credits/purchase', { key: account.apiKey, body: { amount: credits } });
  if (response.status !== 201) throw new Error(`purchase failed: ${response.status} ${response.text}`);
  return response.body;
}

export const toMinor = (major: number) => Math.round(major * 100);

export async function creditsBalance(db: Knex, accountId: string): Promise<bigint> {
  const row = await db('balances').where({ account_id: accountId, unit: 'credits' }).first('balance');
  return BigInt(row.balance);
}

export async function orderRow(db: Knex, purchaseId: string): Promise<any> {
  return db('payment_orders').where({ id: purchaseId }).first();
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the order leaves `pending` (or reaches `status`) and returns its row. */
export function waitForOrder(db: Knex, purchaseId: string, status?: string, timeoutMs = 20000): Promise<any> {
  return waitFor(`order ${purchaseId} ${status ?? 'settled'}`, async () => {
    const row = await orderRow(db, purchaseId);
    return row && (status ? row.status === status : row.status !== 'pending') ? row : null;
  }, timeoutMs);
}

export async function waitForInbox(db: Knex, eventId: string, timeoutMs = 20000): Promise<any> {
  return waitFor(`inbox event ${eventId} processed`, async () => {
    const row = await db('stripe_events').where({ id: eventId }).first();
    return row?.processed_at ? row : null;
  }, timeoutMs);
}

export async function purchaseEntries(db: Knex, accountId: string): Promise<any[]> {
  return db('ledger_entries').where({ account_id: accountId, type: 'purchase' });
}

export { expectLedgerInvariants } from './ledger-invariants';
