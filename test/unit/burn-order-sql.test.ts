import { createAccount } from '../../src/accounts/accounts.service';
import { compareBurnOrder, isSpendable, type GrantLot } from '../../src/credits/compute/burn-order';
import { debitPlain } from '../../src/credits/credits.service';
import { postCredit } from '../../src/credits/ledger.service';
import { newId } from '../../src/shared/ids';
import { testDb } from '../helpers/db';

/**
 * The burn order runs in production only inside `settle_debit_batch` (SQL); the TypeScript rule
 * (src/credits/compute/burn-order) is its oracle. On a table of grants that tie on priority, on
 * expiry and on creation time (grants posted in one transaction share `created_at`, so the id
 * decides), debiting exactly the remaining of the grant the model puts next must empty that grant
 * and no other, one grant after another.
 */
const db = testDb();
afterAll(() => db.destroy());

const DAY = 86_400_000;
const credits = (n: number) => BigInt(n) * 1_000_000n;

interface Spec { label: string; amount: number; priority: number; expiresInDays: number | null; startsInDays?: number }

// Posted in three transactions, in this order; inside one, the grants share created_at.
const groups: Spec[][] = [
  [
    { label: 'a', amount: 1, priority: 10, expiresInDays: 5 },
    { label: 'b', amount: 2, priority: 10, expiresInDays: 5 },
    { label: 'never-1', amount: 3, priority: 10, expiresInDays: null },
    { label: 'not-started', amount: 4, priority: 0, expiresInDays: null, startsInDays: 1 },
  ],
  [
    { label: 'sooner', amount: 5, priority: 10, expiresInDays: 3 },
    { label: 'newer', amount: 6, priority: 10, expiresInDays: 5 },
    { label: 'never-2', amount: 7, priority: 10, expiresInDays: null },
    { label: 'expired', amount: 8, priority: 0, expiresInDays: -1, startsInDays: -2 },
  ],
  [
    { label: 'first', amount: 9, priority: 5, expiresInDays: null },
    { label: 'newest', amount: 1, priority: 10, expiresInDays: 5 },
  ],
];

async function grantLots(accountId: string): Promise<GrantLot[]> {
  const rows = await db('grants').where({ account_id: accountId, unit: 'credits' });
  return rows.map((row: any) => ({ id: row.id, priority: row.priority, remaining: BigInt(row.remaining), startsAt: row.starts_at, expiresAt: row.expires_at, createdAt: row.created_at }));
}

const remainingById = (lots: GrantLot[]) => Object.fromEntries(lots.map((lot) => [lot.id, lot.remaining]));

describe('burn order: settle_debit_batch equals the model', () => {
  it('spends a table of tied grants in the model’s order, priority → expiry → created_at → id', async () => {
    const account = await createAccount(db, { name: 'burn order', plan: 'free' });
    const now = Date.now();
    const label = new Map<string, string>();
    for (const group of groups) {
      await db.transaction(async (trx) => {
        for (const spec of group) {
          const startsAt = new Date(now + (spec.startsInDays ?? 0) * DAY);
          const posted = await postCredit(trx, {
            accountId: account.id, unit: 'credits', kind: 'promotional', type: 'grant', amount: credits(spec.amount), idempotencyKey: newId('chk'),
            priority: spec.priority, startsAt, expiresAt: spec.expiresInDays === null ? null : new Date(now + spec.expiresInDays * DAY),
          });
          label.set(posted.grant!.id, spec.label);
        }
      });
    }
    const lots = await grantLots(account.id);
    const created = new Set(lots.filter((lot) => label.has(lot.id)).map((lot) => lot.createdAt.getTime()));
    expect(created.size).toBe(groups.length); // one creation time per transaction, distinct to the millisecond the model sees

    const at = new Date();
    const order = lots.filter((lot) => isSpendable(lot, at)).sort(compareBurnOrder);
    const [a, b] = [...label].filter(([, name]) => name === 'a' || name === 'b').map(([id]) => id).sort();
    const tie = [a, b].map((id) => label.get(id!)!);
    const names = order.map((lot) => label.get(lot.id) ?? 'included');
    expect(names.slice(0, 8)).toEqual(['first', 'sooner', ...tie, 'newer', 'newest', 'never-1', 'never-2']);
    // The plan's included credits (priority 20) come after the whole table.
    expect(names.slice(8).every((name) => name === 'included')).toBe(true);

    const expected = remainingById(lots);
    for (const lot of order) {
      await debitPlain(db, { accountId: account.id, unit: 'credits', amount: lot.remaining, description: null, key: newId('chk'), requestHash: 'h', at });
      expected[lot.id] = 0n;
      expect(remainingById(await grantLots(account.id))).toEqual(expected);
    }
  });
});
