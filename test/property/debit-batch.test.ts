import fc from 'fast-check';
import { createAccount } from '../../src/accounts/accounts.service';
import { planDebit, type GrantLot } from '../../src/credits/compute/burn-order';
import { postCredit } from '../../src/credits/ledger.service';
import { newId } from '../../src/shared/ids';
import { testDb } from '../helpers/db';
import { expectLedgerInvariants } from '../helpers/ledger-invariants';

/**
 * One `settle_debit_batch` call holds several debits of several accounts in any order: the same
 * account many times (state carried from debit to debit inside the call), keys repeated inside
 * the batch, late events, accounts that do not exist. Each debit's outcome, burns and the final
 * grants and balances must equal the pure model applied account by account in the given order.
 */
const db = testDb();
afterAll(() => db.destroy());

const HOUR = 3_600_000;
const credits = (n: number) => BigInt(n) * 1_000_000n;

interface GrantSpec { amount: number; priority: number; expiresInHours: number | null; startsInHours: number }
interface DebitSpec { account: 0 | 1 | 2; amount: number; atHours: number; key: number }

const grantSpec: fc.Arbitrary<GrantSpec> = fc.record({
  amount: fc.integer({ min: 1, max: 30 }),
  priority: fc.integer({ min: 0, max: 100 }),
  expiresInHours: fc.option(fc.integer({ min: 1, max: 300 }), { nil: null }),
  startsInHours: fc.constantFrom(0, 0, 50),
});
const debitSpec: fc.Arbitrary<DebitSpec> = fc.record({
  account: fc.constantFrom(0 as const, 0 as const, 1 as const, 2 as const), // 2: an account that does not exist
  amount: fc.integer({ min: 0, max: 24 }).map((n) => n * 500_000),
  atHours: fc.integer({ min: -3, max: 320 }), // before 0: in the closed previous period
  key: fc.integer({ min: 0, max: 3 }),
});

async function grantsOf(accountId: string): Promise<GrantLot[]> {
  const rows = await db('grants').where({ account_id: accountId, unit: 'credits' });
  return rows.map((row: any) => ({ id: row.id, priority: row.priority, remaining: BigInt(row.remaining), startsAt: row.starts_at, expiresAt: row.expires_at, createdAt: row.created_at }));
}

async function openAccount(overage: boolean, grants: GrantSpec[]) {
  const account = await createAccount(db, { name: 'batch property', plan: overage ? 'pro' : 'free' });
  const base = account.period_start.getTime();
  for (const grant of grants) {
    const startsAt = new Date(base + grant.startsInHours * HOUR);
    await postCredit(db, {
      accountId: account.id, unit: 'credits', kind: 'promotional', type: 'grant', amount: credits(grant.amount), idempotencyKey: newId('chk'),
      priority: grant.priority, startsAt, expiresAt: grant.expiresInHours === null ? null : new Date(startsAt.getTime() + grant.expiresInHours * HOUR),
    });
  }
  return { id: account.id, base, overage, grants: new Map((await grantsOf(account.id)).map((g) => [g.id, g])), balance: 0n, keys: new Map<string, { entryId: string; hash: string }>() };
}

describe('settle_debit_batch (property)', () => {
  it('applies a mixed batch exactly as the pure rules do, account by account in the given order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(fc.boolean(), fc.boolean()),
        fc.tuple(fc.array(grantSpec, { maxLength: 4 }), fc.array(grantSpec, { maxLength: 4 })),
        fc.array(debitSpec, { minLength: 1, maxLength: 14 }),
        async ([overageA, overageB], [grantsA, grantsB], debits) => {
          const accounts = [await openAccount(overageA, grantsA), await openAccount(overageB, grantsB)];
          for (const account of accounts) account.balance = [...account.grants.values()].reduce((sum, g) => sum + g.remaining, 0n);
          const missing = newId('acct');
          const items = debits.map((spec) => {
            const base = spec.account === 2 ? Date.now() : accounts[spec.account]!.base;
            return {
              account_id: spec.account === 2 ? missing : accounts[spec.account]!.id, unit: 'credits', amount: String(spec.amount),
              key: `k${spec.key}`, hash: `h${spec.amount}`, type: 'debit', description: null, reference: null,
              at: new Date(base + spec.atHours * HOUR).toISOString(), entry_id: newId('txn'), agent: null, usage: null, lines: null, accruals: null,
            };
          });

          const { rows } = await db.raw('select * from settle_debit_batch(?::jsonb)', [JSON.stringify(items)]);
          expect(rows.map((row: any) => row.idx).sort((a: number, b: number) => a - b)).toEqual(items.map((_, i) => i));
          const byIdx = new Map(rows.map((row: any) => [row.idx, row]));

          for (const [i, spec] of debits.entries()) {
            const row: any = byIdx.get(i);
            if (spec.account === 2) {
              expect(row.outcome).toBe('no_account');
              continue;
            }
            const account = accounts[spec.account]!;
            const earlier = account.keys.get(items[i]!.key);
            const at = new Date(items[i]!.at);
            if (earlier) {
              expect([row.outcome, row.entry_id, row.request_hash]).toEqual(['replay', earlier.entryId, earlier.hash]);
              continue;
            }
            if (at.getTime() < account.base) {
              expect(row.outcome).toBe('closed_period');
              continue;
            }
            const plan = planDebit([...account.grants.values()], BigInt(spec.amount), at, account.overage);
            if (plan.kind === 'insufficient') {
              expect([row.outcome, BigInt(row.available)]).toEqual(['insufficient', plan.available]);
              continue;
            }
            account.balance -= plan.covered;
            expect([row.outcome, BigInt(row.covered), BigInt(row.overage), BigInt(row.balance_after)]).toEqual(['ok', plan.covered, plan.overage, account.balance]);
            for (const burn of plan.burns) account.grants.get(burn.grantId)!.remaining -= burn.amount;
            account.keys.set(items[i]!.key, { entryId: items[i]!.entry_id, hash: items[i]!.hash });
            const entry = await db('ledger_entries as e').where('e.id', items[i]!.entry_id).first(db.raw('ledger_entry_burns(e) as burns'));
            expect(entry.burns.map((b: any) => [b.grant_id, BigInt(b.amount)])).toEqual(plan.burns.map((b) => [b.grantId, b.amount]));
          }

          for (const account of accounts) {
            const actual = await grantsOf(account.id);
            expect(actual.map((g) => [g.id, g.remaining])).toEqual(actual.map((g) => [g.id, account.grants.get(g.id)!.remaining]));
            const balance = await db('balances').where({ account_id: account.id, unit: 'credits' }).first();
            expect(BigInt(balance.balance)).toBe(account.balance);
            expect(await db('ledger_entries').where({ account_id: account.id, type: 'debit' }).count({ n: '*' })).toEqual([{ n: String(account.keys.size) }]);
            await expectLedgerInvariants(db, account.id);
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 240_000);
});
