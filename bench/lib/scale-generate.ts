import type { Knex } from 'knex';

/**
 * bench:scale's data, generated inside PostgreSQL with generate_series (set-based: node sends a
 * handful of statements per chunk of accounts, never a row). Every account is a consistent ledger:
 *
 * - credits: seq 1 an admin deposit (its grant funds the history), then the usage of the eleven
 *   months before the open period (burning that grant), then the open period's included grant,
 *   then the open period's usage (burning the included grant, which burns first: priority 20 < 40).
 *   seq has no gaps, balance_after is the running sum, balances.balance = Σ amount, each grant's
 *   remaining = amount − Σ its burns. tokens: the open period's included grant only.
 * - every usage entry carries its usage record and one line (one of four tools), as the debit
 *   writes them. Their created_at is the load's own (as for usage recorded now), so the daily
 *   rollup takes them like any other usage: see catchUpRollup in bench/scale.ts.
 * - accounts 1..closeFirst have their open period one month earlier (the 10k close); the others
 *   are open in `openPeriod` (closed second, with the first ones: the 100k close).
 *
 * Amounts cycle 0.01–0.05 credit, so the running sum has a closed form (usedThrough below) and
 * needs no window function over millions of rows. Months of history are not closed period by
 * period (no monthly grants, expiries or period rows): the history is usage funded by one deposit.
 */
export interface ScaleShape {
  accounts: number;
  entries: number;
  /** entries of the heavy account (account 2); account 1 gets the average */
  heavyEntries: number;
  /** first day of the period the most accounts are open in (UTC) */
  openPeriod: Date;
  /** accounts 1..closeFirst are open in the month before openPeriod */
  closeFirst: number;
  /** every 10th account is on Pro (overage plan with a fee, so its close issues an invoice) */
  proEvery: number;
}

export const HISTORY_MONTHS = 12;
export const TYPICAL_ACCOUNT = 1;
export const HEAVY_ACCOUNT = 2;
const DEPOSIT_BUFFER_MICRO = 1_000_000_000n;

/** The secret of account n's key (its hash is what the database holds, as for real keys). */
export const apiKeyOf = (n: number) => `sk_settle_scale_${n}`;

const sql = {
  accountId: (n: string) => `'acct_' || substr(md5('a' || ${n}), 1, 20)`,
  /** Σ over i = 1..m of (i mod 5): the cycle of usage amounts, in closed form. */
  cycleSum: (m: string) => `(10 * ((${m}) / 5) + ((${m}) % 5) * ((${m}) % 5 + 1) / 2)`,
};
/** micro-credits used by usage 1..j of an account whose amounts start at offset c. */
const usedThrough = (j: string, c = 'a.c') => `(10000::bigint * ((${j}) + ${sql.cycleSum(`${c} + ${j}`)} - ${sql.cycleSum(c)}))`;

/** One row per account: its id, plan, periods, entry count and how many of them are history. */
export async function createAccountPlan(db: Knex, shape: ScaleShape): Promise<{ entries: number }> {
  const avg = Math.max(1, Math.round(shape.entries / shape.accounts));
  await db.raw(`drop table if exists scale_accounts`);
  await db.raw(
    `create unlogged table scale_accounts as
     select n, ${sql.accountId('n')} as id,
            case when n % ? = 0 or n = ${HEAVY_ACCOUNT} then 'pro' else 'free' end as plan_id,
            cnt, (n % 5) as c,
            case when n <= ? then ?::timestamptz - interval '1 month' else ?::timestamptz end as open_start
       from (select n, case when n = ${TYPICAL_ACCOUNT} then ? when n = ${HEAVY_ACCOUNT} then ?
                            else 1 + abs(hashint4(n)) % (2 * ? - 1) end as cnt
               from generate_series(1, ?) n) s`,
    [shape.proEvery, shape.closeFirst, shape.openPeriod.toISOString(), shape.openPeriod.toISOString(), avg, shape.heavyEntries, avg, shape.accounts],
  );
  await db.raw(
    `alter table scale_accounts add column open_end timestamptz, add column hist_start timestamptz, add column h int, add column included bigint, add column tokens bigint;
     update scale_accounts a set open_end = open_start + interval '1 month', hist_start = open_start - interval '${HISTORY_MONTHS - 1} months',
            h = round(cnt * ${(HISTORY_MONTHS - 1) / HISTORY_MONTHS})::int, included = p.included_credits_micro, tokens = p.included_tokens
       from plans p where p.id = a.plan_id;
     alter table scale_accounts add primary key (n);`,
  );
  const total = await db.raw(`select sum(cnt)::bigint as entries from scale_accounts`);
  return { entries: Number(total.rows[0].entries) };
}

/** accounts, keys, balances and grants of all accounts (small next to the ledger: one statement each). */
export async function insertAccounts(db: Knex): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw(`set local synchronous_commit = off`);
    await trx.raw(
      `insert into accounts (id, name, plan_id, stripe_customer_id, period_start, period_end, created_at)
       select id, 'scale ' || n, plan_id, case when plan_id = 'pro' then 'cus_scale' || n end, open_start, open_end, hist_start from scale_accounts`,
    );
    await trx.raw(
      `insert into api_keys (id, key_hash, prefix, role, account_id, created_at)
       select 'key_' || substr(md5('k' || n), 1, 20), encode(sha256(convert_to('sk_settle_scale_' || n, 'UTF8')), 'hex'),
              left('sk_settle_scale_' || n, 14), 'account', id, hist_start from scale_accounts`,
    );
    await trx.raw(
      `insert into grants (id, account_id, unit, kind, priority, amount, remaining, starts_at, expires_at, source, description, created_at)
       select 'grt_' || substr(md5('d' || n), 1, 20), id, 'credits', 'admin', 40, ${usedThrough('a.h')} + ${DEPOSIT_BUFFER_MICRO}, ${DEPOSIT_BUFFER_MICRO},
              hist_start, null, 'scale bench deposit', 'Deposit', hist_start from scale_accounts a
       union all
       select 'grt_' || substr(md5('i' || n), 1, 20), id, 'credits', 'included', 20, included, included - (${usedThrough('a.cnt')} - ${usedThrough('a.h')}),
              open_start, open_end, 'period:' || to_char(open_start at time zone 'UTC', 'YYYY-MM'), 'Included credits', open_start from scale_accounts a
       union all
       select 'grt_' || substr(md5('t' || n), 1, 20), id, 'tokens', 'included', 20, tokens, tokens,
              open_start, open_end, 'period:' || to_char(open_start at time zone 'UTC', 'YYYY-MM'), 'Included tokens', open_start from scale_accounts a`,
    );
    await trx.raw(
      `insert into balances (account_id, unit, balance, last_seq)
       select id, 'credits', ${usedThrough('a.h')} + ${DEPOSIT_BUFFER_MICRO} + included - ${usedThrough('a.cnt')}, cnt + 2 from scale_accounts a
       union all select id, 'tokens', tokens, 1 from scale_accounts a`,
    );
  });
}

/**
 * The ledger of accounts from..to: deposits and grants, then the usage entries with their usage
 * record. FK triggers are skipped for the load (session_replication_role = replica): the rows
 * reference each other by construction, and per-row FK checks would double the load time without
 * checking anything new.
 */
export async function insertLedgerChunk(db: Knex, from: number, to: number): Promise<number> {
  // u: one row per usage of the chunk's accounts, with its time, amount and running use.
  const usage = `with u as (
      select a.n, a.id as account_id, a.cnt, a.h, j,
             case when j <= a.h then a.hist_start + (j - 0.5) * (a.open_start - a.hist_start) / greatest(a.h, 1)
                  else a.open_start + (j - a.h - 0.5) * (a.open_end - a.open_start) / greatest(a.cnt - a.h, 1) end as at,
             10000::bigint * (1 + (a.c + j) % 5) as amount,
             ${usedThrough('j')} as used,
             ${usedThrough('a.h')} as used_history, a.included, a.c,
             'txn_' || substr(md5('e' || a.n || '.' || j), 1, 20) as entry_id,
             'use_' || substr(md5('u' || a.n || '.' || j), 1, 20) as event_id,
             'bench.scale.' || (array['search', 'fetch', 'rank', 'embed'])[1 + (a.n + j) % 4] as tool
        from scale_accounts a, generate_series(1, a.cnt) j
       where a.n between ${Number(from)} and ${Number(to)})`;
  return db.transaction(async (trx) => {
    await trx.raw(`set local synchronous_commit = off`);
    await trx.raw(`set local session_replication_role = replica`);
    const entries = await trx.raw(
      `insert into ledger_entries (id, account_id, unit, seq, type, amount, overage, balance_after, idempotency_key, request_hash, description, reference, grant_id, burns, effective_at, created_at)
       select 'txn_' || substr(md5('dep' || n), 1, 20), id, 'credits', 1, 'deposit', ${usedThrough('a.h')} + ${DEPOSIT_BUFFER_MICRO}, 0, ${usedThrough('a.h')} + ${DEPOSIT_BUFFER_MICRO},
              'scale-deposit', null::text, 'Deposit', null::text, 'grt_' || substr(md5('d' || n), 1, 20), null::jsonb, hist_start, hist_start
         from scale_accounts a where n between ${Number(from)} and ${Number(to)}
       union all
       select 'txn_' || substr(md5('inc' || n), 1, 20), id, 'credits', h + 2, 'grant', included, 0, ${usedThrough('a.h')} + ${DEPOSIT_BUFFER_MICRO} + included,
              'grant:period:' || to_char(open_start at time zone 'UTC', 'YYYY-MM'), null, 'Included credits', 'period:' || to_char(open_start at time zone 'UTC', 'YYYY-MM'),
              'grt_' || substr(md5('i' || n), 1, 20), null, open_start, open_start
         from scale_accounts a where n between ${Number(from)} and ${Number(to)}
       union all
       select 'txn_' || substr(md5('tok' || n), 1, 20), id, 'tokens', 1, 'grant', tokens, 0, tokens,
              'grant:period:' || to_char(open_start at time zone 'UTC', 'YYYY-MM') || ':tokens', null, 'Included tokens', 'period:' || to_char(open_start at time zone 'UTC', 'YYYY-MM'),
              'grt_' || substr(md5('t' || n), 1, 20), null, open_start, open_start
         from scale_accounts a where n between ${Number(from)} and ${Number(to)}`,
    );
    // A usage entry is its usage event (the usage_events and usage_items views): one burn, named
    // by grant_id; one tool line. created_at is the load's own, as for usage recorded now.
    const usageEntries = await trx.raw(
      `${usage}
       insert into ledger_entries (id, account_id, unit, seq, type, amount, overage, balance_after, idempotency_key, request_hash, description, reference, grant_id, burns, effective_at, created_at, lines)
       select entry_id, account_id, 'credits', case when j <= h then j + 1 else j + 2 end, 'usage', -amount, 0,
              used_history + ${DEPOSIT_BUFFER_MICRO} - used + case when j <= h then 0 else included end,
              'req-' || j, md5(entry_id), 'Usage', event_id, 'grt_' || substr(md5(case when j <= h then 'd' else 'i' end || n), 1, 20), null,
              at, now(), jsonb_build_array(jsonb_build_object('tool', tool, 'credits', amount))
         from u`,
    );
    return entries.rowCount + usageEntries.rowCount;
  });
}

/** Fails loudly when the generated ledger breaks an invariant the service relies on (sampled accounts). */
export async function checkLedger(db: Knex, accountNumbers: number[]): Promise<void> {
  const result = await db.raw(
    `select a.n,
            (select balance from balances b where b.account_id = a.id and b.unit = 'credits') as balance,
            (select sum(amount) from ledger_entries e where e.account_id = a.id and e.unit = 'credits') as total,
            (select last_seq from balances b where b.account_id = a.id and b.unit = 'credits') as last_seq,
            (select count(*) from ledger_entries e where e.account_id = a.id and e.unit = 'credits') as rows,
            (select max(seq) from ledger_entries e where e.account_id = a.id and e.unit = 'credits') as max_seq,
            (select balance_after from ledger_entries e where e.account_id = a.id and e.unit = 'credits' order by seq desc limit 1) as last_after,
            (select count(*) from usage_events u where u.account_id = a.id) as events
       from scale_accounts a where n = any(?)`,
    [accountNumbers],
  );
  for (const row of result.rows) {
    const same = (a: unknown, b: unknown) => String(a) === String(b);
    const ok = same(row.balance, row.total) && same(row.last_seq, row.rows) && same(row.max_seq, row.rows) && same(row.last_after, row.balance) && Number(row.events) === Number(row.rows) - 2;
    if (!ok) throw new Error(`generated ledger of account ${row.n} is inconsistent: ${JSON.stringify(row)}`);
  }
}
