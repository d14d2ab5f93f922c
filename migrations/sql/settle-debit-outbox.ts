/**
 * The debit hot path with usage alerts (issue 12). Replaces ./settle-debit-holds.ts (kept as it
 * was: migrations are frozen) and adds one thing: the events outbox rows for usage alerts, written
 * by the same call as the debits they report, so a debit that rolls back emits nothing.
 *
 * - credits.threshold_reached: a debit that takes the period's included grant across one of the
 *   account's thresholds (billing_alerts, default 50/80/100 % of the grant). Only a debit whose
 *   take changes the whole percentage used (before vs after) looks at the thresholds at all; the
 *   dedupe key (account, period, threshold) makes it once per period even if a refund gives
 *   included credits back.
 * - credits.low_balance: a debit that takes the balance from at or above the account's floor to
 *   below it. Debits of an account are serialised by its balance row lock, so exactly one debit
 *   crosses; the next crossing needs the balance back above the floor first (re-armed by
 *   construction, no state kept).
 * - credits.exhausted: the first refused (402) debit of a period, once per period by dedupe key.
 *
 * The account's alert settings come with the balance row (one left join); event rows are one
 * insert at the end, like every other write here. Credits in event data are exact decimals.
 */
export const DEBIT_BATCH_OUTBOX_SQL = `
create or replace function settle_debit_batch(p_batch jsonb)
returns table (
  idx integer, outcome text, entry_id text, balance_after bigint, covered bigint, overage bigint,
  available bigint, request_hash text, agent_limit integer
) language plpgsql as $fn$
declare
  it record;
  i integer;

  -- the current account: plan terms, keys and agents taken in this batch
  a_id text;
  a_overage_allowed boolean;
  a_agent_limit integer;
  a_period_start timestamptz;
  a_period text;                -- the open period, YYYY-MM
  a_thresholds integer[];       -- percentages of the included grant (billing_alerts; null: 50/80/100)
  a_low_floor bigint;           -- credits.low_balance floor, micro-credits (null = off)
  a_agents_in_db integer;
  a_new_agents text[];
  a_keys text[];
  a_key_entries text[];
  a_key_hashes text[];
  -- the current (account, unit): its locked balance and its spendable grants in burn order
  u_unit text;
  u_found boolean;
  u_slot integer;               -- its place in the w_balance_* arrays, once a debit changed it
  u_balance bigint;
  u_seq bigint;
  g_ids text[];
  g_remaining bigint[];
  g_starts timestamptz[];
  g_expires timestamptz[];
  g_included bigint[];          -- the granted amount of an included grant, null for other kinds
  u_held bigint;                -- credits reserved by the account's active holds (hard-limit plans only)

  -- one debit
  v_existing record;
  v_new_agent boolean;
  v_available bigint;
  v_covered bigint;
  v_need bigint;
  v_take bigint;
  v_burns jsonb;
  v_spendable integer[];
  k integer;
  v_pct integer;
  v_crossed integer[];          -- thresholds this debit crossed
  v_used bigint;
  v_included bigint;
  v_cross_used bigint;          -- included credits used after the crossing debit
  v_cross_included bigint;      -- the included grant it crossed thresholds of

  -- the writes, one statement each at the end
  w_entry_ids text[] := '{}';
  w_accounts text[] := '{}';
  w_units text[] := '{}';
  w_seqs bigint[] := '{}';
  w_types text[] := '{}';
  w_amounts bigint[] := '{}';
  w_overages bigint[] := '{}';
  w_balances_after bigint[] := '{}';
  w_keys text[] := '{}';
  w_hashes text[] := '{}';
  w_descriptions text[] := '{}';
  w_references text[] := '{}';
  w_burns jsonb[] := '{}';
  w_effective timestamptz[] := '{}';
  -- arrays of jsonb, not one growing jsonb array: appending to a plpgsql array does not copy it
  w_usage jsonb[] := '{}';
  w_usage_items jsonb[] := '{}';
  w_accruals jsonb[] := '{}';
  w_grant_ids text[] := '{}';
  w_grant_takes bigint[] := '{}';
  w_balance_accounts text[] := '{}';
  w_balance_units text[] := '{}';
  w_balance_values bigint[] := '{}';
  w_balance_seqs bigint[] := '{}';
  w_agent_accounts text[] := '{}';
  w_agents text[] := '{}';
  w_event_types text[] := '{}';
  w_event_accounts text[] := '{}';
  w_event_payloads jsonb[] := '{}';
  w_event_dedupe text[] := '{}';
begin
  -- An account's debits apply in the order given. Accounts are taken in one fixed order, so
  -- concurrent batches lock balance rows in the same order and cannot deadlock.
  for it in
    select x.n - 1 as i, x.account_id, x.unit, x.amount, x.key, x.hash, x.type, x.description, x.reference, x.at, x.entry_id,
           x.agent, nullif(x.usage, 'null') as usage, nullif(x.items, 'null') as items, nullif(x.accruals, 'null') as accruals
      from rows from (jsonb_to_recordset(p_batch) as (account_id text, unit text, amount bigint, key text, hash text, type text,
           description text, reference text, at timestamptz, entry_id text, agent text, usage jsonb, items jsonb, accruals jsonb))
           with ordinality as x(account_id, unit, amount, key, hash, type, description, reference, at, entry_id, agent, usage, items, accruals, n)
     order by x.account_id collate "C", x.unit collate "C", x.n
  loop
    i := it.i;

    if it.account_id is distinct from a_id or it.unit is distinct from u_unit then
      if it.account_id is distinct from a_id then
        a_agents_in_db := null;
        a_new_agents := '{}';
        a_keys := '{}';
        a_key_entries := '{}';
        a_key_hashes := '{}';
      end if;
      a_id := it.account_id;
      u_unit := it.unit;
      u_slot := null;
      select b.balance, b.last_seq, p.overage_allowed, p.agent_limit, a.period_start,
             al.thresholds_percent, al.low_balance_micro
        into u_balance, u_seq, a_overage_allowed, a_agent_limit, a_period_start, a_thresholds, a_low_floor
        from balances b join accounts a on a.id = b.account_id join plans p on p.id = a.plan_id
        left join billing_alerts al on al.account_id = b.account_id
       where b.account_id = it.account_id and b.unit = it.unit
         for update of b;
      a_period := null; -- formatted only when an event needs it
      u_found := found;
      if u_found then
        select coalesce(array_agg(gr.id order by gr.priority, gr.expires_at nulls last, gr.created_at, gr.id), '{}'),
               coalesce(array_agg(gr.remaining order by gr.priority, gr.expires_at nulls last, gr.created_at, gr.id), '{}'),
               coalesce(array_agg(gr.starts_at order by gr.priority, gr.expires_at nulls last, gr.created_at, gr.id), '{}'),
               coalesce(array_agg(gr.expires_at order by gr.priority, gr.expires_at nulls last, gr.created_at, gr.id), '{}'),
               coalesce(array_agg(case when gr.kind = 'included' then gr.amount end order by gr.priority, gr.expires_at nulls last, gr.created_at, gr.id), '{}')
          into g_ids, g_remaining, g_starts, g_expires, g_included
          from grants gr
         where gr.account_id = it.account_id and gr.unit = it.unit and gr.remaining > 0;
      end if;
      -- Holds reserve credits only where a debit can be refused: on a plan that allows overage
      -- nothing is refused, so the sum is not even read there. Read once per account and batch,
      -- under the balance row lock that settle_hold and captures take too.
      u_held := 0;
      if u_found and it.unit = 'credits' and not a_overage_allowed then
        select coalesce(sum(h.amount), 0) into u_held
          from holds h where h.account_id = it.account_id and h.status = 'active' and h.expires_at > now();
      end if;
    end if;

    if not u_found then
      return query select i, 'no_account'::text, null::text, null::bigint, null::bigint, null::bigint, null::bigint, null::text, null::integer;
      continue;
    end if;

    -- a key is used once per account: by an earlier debit of this batch, or in the ledger
    k := array_position(a_keys, it.key);
    if k is not null then
      return query select i, 'replay'::text, a_key_entries[k], null::bigint, null::bigint, null::bigint, null::bigint, a_key_hashes[k], null::integer;
      continue;
    end if;
    select e.id, e.request_hash into v_existing
      from ledger_entries e where e.account_id = it.account_id and e.idempotency_key = it.key;
    if found then
      return query select i, 'replay'::text, v_existing.id, null::bigint, null::bigint, null::bigint, null::bigint, v_existing.request_hash, null::integer;
      continue;
    end if;

    -- Late usage may land in the open period, never in one already closed.
    if it.at < a_period_start then
      return query select i, 'closed_period'::text, null::text, null::bigint, null::bigint, null::bigint, null::bigint, null::text, null::integer;
      continue;
    end if;

    v_new_agent := false;
    if it.agent is not null and not (it.agent = any(a_new_agents)) then
      v_new_agent := not exists (select 1 from account_agents aa where aa.account_id = it.account_id and aa.agent = it.agent);
      if v_new_agent and a_agent_limit is not null then
        if a_agents_in_db is null then
          select count(*) into a_agents_in_db from account_agents aa where aa.account_id = it.account_id;
        end if;
        if a_agents_in_db + cardinality(a_new_agents) >= a_agent_limit then
          return query select i, 'agent_limit'::text, null::text, null::bigint, null::bigint, null::bigint, null::bigint, null::text, a_agent_limit;
          continue;
        end if;
      end if;
    end if;

    -- spendable at the event's time: remaining, started, not expired (in burn order)
    v_spendable := '{}';
    v_available := 0;
    for k in 1 .. cardinality(g_ids) loop
      if g_remaining[k] > 0 and g_starts[k] <= it.at and (g_expires[k] is null or g_expires[k] > it.at) then
        v_spendable := v_spendable || k;
        v_available := v_available + g_remaining[k];
      end if;
    end loop;
    -- what a debit may spend on a hard-limit plan: spendable grants − active holds
    if not a_overage_allowed then
      v_available := greatest(v_available - u_held, 0);
    end if;
    if v_available < it.amount and not a_overage_allowed then
      if it.unit = 'credits' then
        a_period := coalesce(a_period, to_char(a_period_start at time zone 'UTC', 'YYYY-MM'));
        w_event_types := w_event_types || 'credits.exhausted'::text;
        w_event_accounts := w_event_accounts || it.account_id;
        w_event_payloads := w_event_payloads || jsonb_build_object('period', a_period,
          'credits_required', it.amount::numeric / 1000000, 'credits_available', v_available::numeric / 1000000);
        w_event_dedupe := w_event_dedupe || ('exhausted:' || it.account_id || ':' || a_period);
      end if;
      return query select i, 'insufficient'::text, null::text, null::bigint, null::bigint, null::bigint, v_available, null::text, null::integer;
      continue;
    end if;

    v_covered := least(it.amount, v_available);
    v_need := v_covered;
    v_burns := '[]';
    v_crossed := '{}';
    foreach k in array v_spendable loop
      exit when v_need = 0;
      v_take := least(g_remaining[k], v_need);
      -- Usage of the included grant: only a take that changes the whole percentage used can
      -- cross a threshold, so most debits stop at this comparison.
      if g_included[k] is not null and it.unit = 'credits' and v_take > 0 then
        v_included := g_included[k];
        v_used := v_included - g_remaining[k];
        if (v_used * 100) / v_included <> ((v_used + v_take) * 100) / v_included then
          foreach v_pct in array coalesce(a_thresholds, '{50,80,100}') loop
            if v_used * 100 < v_pct * v_included and (v_used + v_take) * 100 >= v_pct * v_included then
              v_crossed := v_crossed || v_pct;
              v_cross_used := v_used + v_take;
              v_cross_included := v_included;
            end if;
          end loop;
        end if;
      end if;
      g_remaining[k] := g_remaining[k] - v_take;
      w_grant_ids := w_grant_ids || g_ids[k];
      w_grant_takes := w_grant_takes || v_take;
      v_burns := v_burns || jsonb_build_array(jsonb_build_object('grant_id', g_ids[k], 'amount', v_take));
      v_need := v_need - v_take;
    end loop;

    u_seq := u_seq + 1;
    if a_low_floor is not null and it.unit = 'credits' and u_balance >= a_low_floor and u_balance - v_covered < a_low_floor then
      a_period := coalesce(a_period, to_char(a_period_start at time zone 'UTC', 'YYYY-MM'));
      w_event_types := w_event_types || 'credits.low_balance'::text;
      w_event_accounts := w_event_accounts || it.account_id;
      w_event_payloads := w_event_payloads || jsonb_build_object('period', a_period,
        'balance', (u_balance - v_covered)::numeric / 1000000, 'low_balance_credits', a_low_floor::numeric / 1000000);
      w_event_dedupe := w_event_dedupe || null::text;
    end if;
    u_balance := u_balance - v_covered;
    if cardinality(v_crossed) > 0 then
      a_period := coalesce(a_period, to_char(a_period_start at time zone 'UTC', 'YYYY-MM'));
      foreach v_pct in array v_crossed loop
        w_event_types := w_event_types || 'credits.threshold_reached'::text;
        w_event_accounts := w_event_accounts || it.account_id;
        w_event_payloads := w_event_payloads || jsonb_build_object('threshold_percent', v_pct, 'period', a_period,
          'used_credits', v_cross_used::numeric / 1000000, 'included_credits', v_cross_included::numeric / 1000000,
          'balance', u_balance::numeric / 1000000);
        w_event_dedupe := w_event_dedupe || ('threshold:' || it.account_id || ':' || a_period || ':' || v_pct);
      end loop;
    end if;
    if u_slot is null then
      w_balance_accounts := w_balance_accounts || a_id;
      w_balance_units := w_balance_units || u_unit;
      w_balance_values := w_balance_values || u_balance;
      w_balance_seqs := w_balance_seqs || u_seq;
      u_slot := cardinality(w_balance_values);
    else
      w_balance_values[u_slot] := u_balance;
      w_balance_seqs[u_slot] := u_seq;
    end if;
    a_keys := a_keys || it.key;
    a_key_entries := a_key_entries || it.entry_id;
    a_key_hashes := a_key_hashes || it.hash;

    w_entry_ids := w_entry_ids || it.entry_id;
    w_accounts := w_accounts || it.account_id;
    w_units := w_units || it.unit;
    w_seqs := w_seqs || u_seq;
    w_types := w_types || it.type;
    w_amounts := w_amounts || -v_covered;
    w_overages := w_overages || (it.amount - v_covered);
    w_balances_after := w_balances_after || u_balance;
    w_keys := w_keys || it.key;
    w_hashes := w_hashes || it.hash;
    w_descriptions := w_descriptions || it.description;
    w_references := w_references || it.reference;
    w_burns := w_burns || v_burns;
    w_effective := w_effective || it.at;
    if it.usage is not null then
      w_usage := array_append(w_usage, it.usage || jsonb_build_object(
        'ledger_entry_id', it.entry_id, 'overage', it.amount - v_covered, 'balance_after', u_balance, 'created_at', now()));
      if it.items is not null then
        w_usage_items := array_append(w_usage_items, it.items);
      end if;
    end if;
    -- Publisher revenue shares, computed exactly by the caller (src/payouts), accrue in the
    -- same transaction as the debit that earns them.
    if it.accruals is not null then
      w_accruals := array_append(w_accruals, it.accruals);
    end if;
    if v_new_agent then
      a_new_agents := a_new_agents || it.agent;
      w_agent_accounts := w_agent_accounts || it.account_id;
      w_agents := w_agents || it.agent;
    end if;

    return query select i, 'ok'::text, it.entry_id, u_balance, v_covered, it.amount - v_covered, v_available, it.hash, null::integer;
  end loop;

  -- Events first: a batch of refused debits writes no entry but may write credits.exhausted.
  -- A dedupe key already taken (the same threshold earlier in the period) inserts nothing.
  if cardinality(w_event_types) > 0 then
    insert into events (id, type, account_id, payload, dedupe_key)
    select 'evt_' || replace(gen_random_uuid()::text, '-', ''), x.type, x.account_id, x.payload, x.dedupe_key
      from unnest(w_event_types, w_event_accounts, w_event_payloads, w_event_dedupe) as x(type, account_id, payload, dedupe_key)
        on conflict (dedupe_key) do nothing;
  end if;

  if cardinality(w_entry_ids) = 0 then
    return;
  end if;

  insert into ledger_entries (id, account_id, unit, seq, type, amount, overage, balance_after,
      idempotency_key, request_hash, description, reference, burns, effective_at)
  select * from unnest(w_entry_ids, w_accounts, w_units, w_seqs, w_types, w_amounts, w_overages, w_balances_after,
      w_keys, w_hashes, w_descriptions, w_references, w_burns, w_effective);
  if cardinality(w_usage) > 0 then
    insert into usage_events select r.* from unnest(w_usage) u, jsonb_populate_record(null::usage_events, u) r;
  end if;
  if cardinality(w_usage_items) > 0 then
    insert into usage_items select r.* from unnest(w_usage_items) u, jsonb_populate_recordset(null::usage_items, u) r;
  end if;
  if cardinality(w_accruals) > 0 then
    insert into publisher_accruals select r.* from unnest(w_accruals) u, jsonb_populate_recordset(null::publisher_accruals, u) r;
  end if;
  -- "= any(array)" makes these index lookups of the rows named: joined with unnest() alone, the
  -- planner may choose to scan the whole table.
  update grants gr set remaining = gr.remaining - t.take
    from (select x.id, sum(x.take)::bigint as take from unnest(w_grant_ids, w_grant_takes) as x(id, take) group by x.id) t
   where gr.id = any(w_grant_ids) and gr.id = t.id;
  update balances b set balance = x.balance, last_seq = x.seq
    from unnest(w_balance_accounts, w_balance_units, w_balance_values, w_balance_seqs) as x(account_id, unit, balance, seq)
   where b.account_id = any(w_balance_accounts) and b.account_id = x.account_id and b.unit = x.unit;
  insert into account_agents (account_id, agent)
  select * from unnest(w_agent_accounts, w_agents) on conflict do nothing;
end
$fn$;
`;
