import fc from 'fast-check';
import { createAccount } from '../../src/accounts/accounts.service';
import { planDebit, type GrantLot } from '../../src/credits/compute/burn-order';
import { debit } from '../../src/credits/debit-batcher';
import { expireGrants } from '../../src/credits/expire-grants';
import { postCredit } from '../../src/credits/ledger.service';
import { createVoucher, redeemVoucher } from '../../src/credits/vouchers.service';
import { newId } from '../../src/shared/ids';
import { testDb } from '../helpers/db';
import { expectLedgerInvariants } from '../helpers/ledger-invariants';

/**
 * Random sequences of grants, deposits, vouchers, debits (with replayed keys) and expiries run
 * against the real database; after every step the ledger invariants hold and grants, balance
 * and each debit's outcome equal those of the pure model (src/credits/compute/burn-order).
 */
const db = testDb();
afterAll(() => db.destroy());

const HOUR = 3_600_000;
type Command =
  | { kind: 'grant'; grantKind: 'promotional' | 'purchased' | 'admin'; amount: number; priority: number; expiresInHours: number | null }
  | { kind: 'deposit'; amount: number }
  | { kind: 'voucher'; amount: number }
  | { kind: 'debit'; amount: number; atHours: number; key: number }
  | { kind: 'expire'; atHours: number };

const amount = fc.integer({ min: 1, max: 50 }).map((n) => n * 1_000_000);
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('grant' as const), grantKind: fc.constantFrom('promotional' as const, 'purchased' as const, 'admin' as const), amount, priority: fc.integer({ min: 0, max: 100 }), expiresInHours: fc.option(fc.integer({ min: 1, max: 400 }), { nil: null }) }),
  fc.record({ kind: fc.constant('deposit' as const), amount }),
  fc.record({ kind: fc.constant('voucher' as const), amount }),
  fc.record({ kind: fc.constant('debit' as const), amount: fc.integer({ min: 0, max: 60 }).map((n) => n * 500_000), atHours: fc.integer({ min: 0, max: 400 }), key: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant('expire' as const), atHours: fc.integer({ min: 0, max: 500 }) }),
);

async function grantsOf(accountId: string): Promise<GrantLot[]> {
  const rows = await db('grants').where({ account_id: accountId, unit: 'credits' }).orderBy('created_at');
  return rows.map((row: any) => ({ id: row.id, priority: row.priority, remaining: BigInt(row.remaining), startsAt: row.starts_at, expiresAt: row.expires_at, createdAt: row.created_at }));
}

describe('ledger model (property)', () => {
  it('keeps every invariant and agrees with the pure rules over random command sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(command, { minLength: 1, maxLength: 25 }), async (overage, commands) => {
        const account = await createAccount(db, { name: 'property', plan: overage ? 'pro' : 'free' });
        const base = account.period_start.getTime();
        const model = new Map((await grantsOf(account.id)).map((grant) => [grant.id, grant]));
        const debits = new Map<number, { amount: number; covered: bigint }>();
        let balance = [...model.values()].reduce((sum, grant) => sum + grant.remaining, 0n);

        for (const step of commands) {
          if (step.kind === 'debit') {
            const at = new Date(base + step.atHours * HOUR);
            const expected = planDebit([...model.values()], BigInt(step.amount), at, overage);
            const outcome = await debit(db, {
              accountId: account.id, unit: 'credits', amount: BigInt(step.amount), idempotencyKey: `k${step.key}`, requestHash: `h${step.amount}`,
              type: 'debit', description: null, reference: null, at, entryId: newId('txn'), agent: null, usage: null, lines: null, accruals: null,
            });
            const earlier = debits.get(step.key);
            if (earlier) {
              expect(outcome).toMatchObject({ kind: 'replay', requestHash: `h${earlier.amount}` });
            } else if (expected.kind === 'insufficient') {
              expect(outcome).toEqual({ kind: 'insufficient', available: expected.available });
            } else {
              expect(outcome).toMatchObject({ kind: 'ok', covered: expected.covered, overage: expected.overage });
              for (const burn of expected.burns) model.get(burn.grantId)!.remaining -= burn.amount;
              balance -= expected.covered;
              debits.set(step.key, { amount: step.amount, covered: expected.covered });
            }
          } else if (step.kind === 'expire') {
            const at = new Date(base + step.atHours * HOUR);
            await expireGrants(db, account.id, at, ['credits']);
            for (const grant of model.values()) {
              if (grant.expiresAt && grant.expiresAt <= at) {
                balance -= grant.remaining;
                grant.remaining = 0n;
              }
            }
          } else {
            let posted;
            if (step.kind === 'voucher') {
              const voucher = await createVoucher(db, { credits: BigInt(step.amount), maxRedemptions: 1, expiresAt: null });
              posted = (await redeemVoucher(db, account.id, voucher.code)).data.transaction;
            } else {
              const isGrant = step.kind === 'grant';
              posted = (
                await postCredit(db, {
                  accountId: account.id, unit: 'credits', kind: isGrant ? step.grantKind : 'admin', amount: BigInt(step.amount),
                  type: isGrant ? 'grant' : 'deposit', idempotencyKey: newId('chk'), priority: isGrant ? step.priority : undefined,
                  startsAt: new Date(base), expiresAt: isGrant && step.expiresInHours ? new Date(base + step.expiresInHours * HOUR) : null,
                })
              ).entry;
            }
            const added = (await grantsOf(account.id)).find((grant) => !model.has(grant.id))!;
            model.set(added.id, added);
            balance += added.remaining;
            expect(posted.id).toMatch(/^txn_/);
          }
          const actual = await grantsOf(account.id);
          expect(actual.map((g) => [g.id, g.remaining])).toEqual(actual.map((g) => [g.id, model.get(g.id)!.remaining]));
          const row = await db('balances').where({ account_id: account.id, unit: 'credits' }).first();
          expect(BigInt(row.balance)).toBe(balance);
        }
        await expectLedgerInvariants(db, account.id);
      }),
      { numRuns: 40 },
    );
  }, 240_000);
});
