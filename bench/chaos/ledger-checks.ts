import type { Knex } from 'knex';

/**
 * ARCHITECTURE.md's ledger invariants for one account (as test/helpers/ledger-invariants.ts
 * asserts them), returned as violations instead of thrown, so the chaos suite can report them
 * all: balance == Σ amount == Σ remaining of grants per unit, an unbroken balance_after chain,
 * gapless sequence numbers, remaining within [0, amount], unique idempotency keys.
 */
export async function ledgerViolations(db: Knex, accountId: string): Promise<string[]> {
  const violations: string[] = [];
  for (const unit of ['credits', 'tokens'] as const) {
    const balance = await db('balances').where({ account_id: accountId, unit }).first();
    const entries = await db('ledger_entries').where({ account_id: accountId, unit }).orderBy('seq');
    const grants = await db('grants').where({ account_id: accountId, unit });
    const where = `${accountId} ${unit}`;
    let running = 0n;
    entries.forEach((entry: any, index: number) => {
      if (BigInt(entry.seq) !== BigInt(index + 1)) violations.push(`${where}: seq ${entry.seq} at position ${index + 1} (gap)`);
      running += BigInt(entry.amount);
      if (BigInt(entry.balance_after) !== running) violations.push(`${where}: entry ${entry.id} balance_after ${entry.balance_after} != running ${running}`);
    });
    const recorded = balance ? BigInt(balance.balance) : 0n;
    if (recorded !== running) violations.push(`${where}: balance ${recorded} != Σ entries ${running}`);
    let remaining = 0n;
    for (const grant of grants) {
      if (BigInt(grant.remaining) < 0n || BigInt(grant.remaining) > BigInt(grant.amount)) violations.push(`${where}: grant ${grant.id} remaining ${grant.remaining} outside [0, ${grant.amount}]`);
      remaining += BigInt(grant.remaining);
    }
    if (remaining !== running) violations.push(`${where}: Σ remaining of grants ${remaining} != balance ${running}`);
    const keys = new Set(entries.map((entry: any) => entry.idempotency_key));
    if (keys.size !== entries.length) violations.push(`${where}: ${entries.length - keys.size} entries share an idempotency key`);
  }
  return violations;
}
