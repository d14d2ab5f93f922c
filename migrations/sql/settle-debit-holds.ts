/**
 * The debit hot path, set-based, with holds (issue 18). Replaces the version in
 * ./settle-debit-set-based.ts (kept as it was: migrations are frozen) with one change: on a
 * plan that does not allow overage, what a debit may spend is `spendable grants − active
 * unexpired holds` (migrations/sql/settle-hold.ts), so a debit without a hold cannot take
 * credits a hold reserved. The holds sum is read once per account per batch, and only for
 * hard-limit plans; everything else (order of locks, burn order, one statement per table for
 * the writes) is as before; the design is explained there.
 *
 * A capture (src/holds/capture-hold.ts) marks its hold captured in the same transaction before
 * it debits, so the hold it spends is no longer counted as reserved.
 */
export const DEBIT_BATCH_HOLDS_SQL = `
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
      select b.balance, b.last_seq, p.overage_allowed, p.agent_limit, a.period_start
        into u_balance, u_seq, a_overage_allowed, a_agent_limit, a_period_start
        from balances b join accounts a on a.id = b.account_id join plans p on p.id = a.plan_id
       where b.account_id = it.account_id and b.unit = it.unit
         for update of b;
      u_found := found;
      if u_found then
        select coalesce(array_agg(gr.id order by gr.priority, gr.expires_at nulls last, gr.created_at, gr.id), '{}'),
               coalesce(array_agg(gr.remaining order by gr.priority, gr.expires_at nulls last, gr.created_at, gr.id), '{}'),
               coalesce(array_agg(gr.starts_at order by gr.priority, gr.expires_at nulls last, gr.created_at, gr.id), '{}'),
               coalesce(array_agg(gr.expires_at order by gr.priority, gr.expires_at nulls last, gr.created_at, gr.id), '{}')
          into g_ids, g_remaining, g_starts, g_expires
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
      return query select i, 'insufficient'::text, null::text, null::bigint, null::bigint, null::bigint, v_available, null::text, null::integer;
      continue;
    end if;

    v_covered := least(it.amount, v_available);
    v_need := v_covered;
    v_burns := '[]';
    foreach k in array v_spendable loop
      exit when v_need = 0;
      v_take := least(g_remaining[k], v_need);
      g_remaining[k] := g_remaining[k] - v_take;
      w_grant_ids := w_grant_ids || g_ids[k];
      w_grant_takes := w_grant_takes || v_take;
      v_burns := v_burns || jsonb_build_array(jsonb_build_object('grant_id', g_ids[k], 'amount', v_take));
      v_need := v_need - v_take;
    end loop;

    u_seq := u_seq + 1;
    u_balance := u_balance - v_covered;
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
