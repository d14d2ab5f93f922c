import type { Db } from '../db/knex';

export interface AccountListRow {
  id: string;
  name: string;
  email: string | null;
  plan_id: string;
  period_start: Date;
  period_end: Date;
  created_at: Date;
  /** Σ ledger amounts (micro-credits) */
  balance: string;
  subscription_status: string | null;
}

export interface AccountFilter {
  /** part of the name or email (any case), or an account id */
  query: string | null;
  plan: string | null;
}

/** LIKE treats % and _ as wildcards; a search for "50%_off" means those characters. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function filtered(db: Db, filter: AccountFilter) {
  const query = db('accounts as a');
  if (filter.plan) query.where('a.plan_id', filter.plan);
  if (filter.query) {
    const pattern = likePattern(filter.query);
    query.where((q) => q.whereILike('a.name', pattern).orWhereILike('a.email', pattern).orWhere('a.id', filter.query!));
  }
  return query;
}

/** Finance ops' account list: newest first, with each account's credit balance and subscription status. */
export async function listAccounts(db: Db, filter: AccountFilter, page: { limit: number; offset: number }): Promise<{ rows: AccountListRow[]; total: number }> {
  const [rows, counted] = await Promise.all([
    filtered(db, filter)
      .leftJoin('balances as b', (j) => j.on('b.account_id', 'a.id').andOnVal('b.unit', 'credits'))
      .leftJoin('subscriptions as s', 's.account_id', 'a.id')
      .select('a.id', 'a.name', 'a.email', 'a.plan_id', 'a.period_start', 'a.period_end', 'a.created_at', db.raw('coalesce(b.balance, 0)::text as balance'), 's.status as subscription_status')
      .orderBy([{ column: 'a.created_at', order: 'desc' }, { column: 'a.id', order: 'desc' }])
      .limit(page.limit)
      .offset(page.offset) as Promise<AccountListRow[]>,
    filtered(db, filter).count<{ count: string }[]>({ count: '*' }),
  ]);
  return { rows, total: Number(counted[0]?.count ?? 0) };
}

export interface ApiKeyListRow {
  id: string;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

/** An account's keys, never their hashes: the secret was shown once. */
export const listAccountKeys = (db: Db, accountId: string): Promise<ApiKeyListRow[]> =>
  db('api_keys').where({ account_id: accountId }).select('id', 'prefix', 'created_at', 'revoked_at').orderBy('created_at');
