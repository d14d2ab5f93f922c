import type { Knex } from 'knex';

/**
 * ARCHITECTURE.md's ledger invariants for one account, read straight from the database:
 * balance == Σ amount == Σ grants.remaining per unit, a balance_after chain with no break,
 * sequence numbers 1..n without gaps, remaining within [0, amount], overage never negative, and
 * no idempotency key used twice.
 */
export async function expectLedgerInvariants(db: Knex, accountId: string): Promise<void> {
  for (const unit of ['credits', 'tokens'] as const) {
    const balance = await db('balances').where({ account_id: accountId, unit }).first();
    const entries = await db('ledger_entries').where({ account_id: accountId, unit }).orderBy('seq');
    const grants = await db('grants').where({ account_id: accountId, unit });
    let running = 0n;
    entries.forEach((entry: any, index: number) => {
      expect(BigInt(entry.seq)).toBe(BigInt(index + 1));
      running += BigInt(entry.amount);
      expect(BigInt(entry.balance_after)).toBe(running);
      expect(BigInt(entry.overage)).toBeGreaterThanOrEqual(0n);
    });
    expect(BigInt(balance.balance)).toBe(running);
    expect(BigInt(balance.last_seq)).toBe(BigInt(entries.length));
    const remaining = grants.reduce((sum: bigint, grant: any) => {
      expect(BigInt(grant.remaining)).toBeGreaterThanOrEqual(0n);
      expect(BigInt(grant.remaining)).toBeLessThanOrEqual(BigInt(grant.amount));
      return sum + BigInt(grant.remaining);
    }, 0n);
    expect(remaining).toBe(running);
    // every key given is used once (a request that sent none stores none)
    const given = entries.filter((entry: any) => entry.idempotency_key !== null);
    expect(new Set(given.map((entry: any) => entry.idempotency_key)).size).toBe(given.length);
  }
}
