/**
 * The first version of the debit functions, as migration 20261125000021 created them; migration
 * 20261125000070 replaces both with ./settle-debit-set-based.ts (same signatures and outcomes).
 *
 * The debit hot path as one database call (one round trip, one short transaction).
 *
 * Why in SQL: a metered request must be priced, checked and written without holding the
 * account's lock across network round trips. The rules it applies are the pure functions in
 * src/credits/compute (burn order, overage); test/property/ledger-model.test.ts checks this
 * function against them.
 *
 * Order matters for correctness under concurrency (READ COMMITTED, each statement a fresh
 * snapshot): lock the balance row first, then look for the idempotency key, then read grants.
 * Nothing is written unless the debit succeeds.
 *
 * Outcomes: ok | replay (key already used: entry_id, request_hash of the original) |
 * insufficient (available) | agent_limit (agent_limit) | closed_period | no_account.
 */
export const DEBIT_FUNCTION_SQL = `
create or replace function settle_debit(
  p_account text, p_unit text, p_amount bigint, p_key text, p_hash text,
  p_type text, p_description text, p_reference text, p_at timestamptz, p_entry_id text,
  p_agent text, p_usage jsonb, p_items jsonb, p_accruals jsonb
) returns table (
  outcome text, entry_id text, balance_after bigint, covered bigint, overage bigint,
  available bigint, request_hash text, agent_limit integer
) language plpgsql as $fn$
declare
  v_balance bigint;
  v_seq bigint;
  v_overage_allowed boolean;
  v_agent_limit integer;
  v_period_start timestamptz;
  v_existing record;
  v_available bigint;
  v_covered bigint;
  v_need bigint;
  v_take bigint;
  v_burns jsonb := '[]'::jsonb;
  v_new_agent boolean := false;
  g record;
begin
  select b.balance, b.last_seq into v_balance, v_seq
    from balances b where b.account_id = p_account and b.unit = p_unit for update;
  if not found then
    return query select 'no_account'::text, null::text, null::bigint, null::bigint, null::bigint, null::bigint, null::text, null::integer;
    return;
  end if;

  select e.id, e.request_hash into v_existing
    from ledger_entries e where e.account_id = p_account and e.idempotency_key = p_key;
  if found then
    return query select 'replay'::text, v_existing.id, null::bigint, null::bigint, null::bigint, null::bigint, v_existing.request_hash, null::integer;
    return;
  end if;

  select p.overage_allowed, p.agent_limit, a.period_start into v_overage_allowed, v_agent_limit, v_period_start
    from accounts a join plans p on p.id = a.plan_id where a.id = p_account;

  -- Late usage may land in the open period, never in one already closed.
  if p_at < v_period_start then
    return query select 'closed_period'::text, null::text, null::bigint, null::bigint, null::bigint, null::bigint, null::text, null::integer;
    return;
  end if;

  if p_agent is not null then
    v_new_agent := not exists (select 1 from account_agents aa where aa.account_id = p_account and aa.agent = p_agent);
    if v_new_agent and v_agent_limit is not null
       and (select count(*) from account_agents aa where aa.account_id = p_account) >= v_agent_limit then
      return query select 'agent_limit'::text, null::text, null::bigint, null::bigint, null::bigint, null::bigint, null::text, v_agent_limit;
      return;
    end if;
  end if;

  select coalesce(sum(gr.remaining), 0) into v_available
    from grants gr
   where gr.account_id = p_account and gr.unit = p_unit and gr.remaining > 0
     and gr.starts_at <= p_at and (gr.expires_at is null or gr.expires_at > p_at);

  if v_available < p_amount and not v_overage_allowed then
    return query select 'insufficient'::text, null::text, null::bigint, null::bigint, null::bigint, v_available, null::text, null::integer;
    return;
  end if;

  v_covered := least(p_amount, v_available);
  v_need := v_covered;
  for g in
    select gr.id, gr.remaining from grants gr
     where gr.account_id = p_account and gr.unit = p_unit and gr.remaining > 0
       and gr.starts_at <= p_at and (gr.expires_at is null or gr.expires_at > p_at)
     order by gr.priority, gr.expires_at nulls last, gr.created_at, gr.id
  loop
    exit when v_need = 0;
    v_take := least(g.remaining, v_need);
    update grants set remaining = remaining - v_take where id = g.id;
    v_burns := v_burns || jsonb_build_array(jsonb_build_object('grant_id', g.id, 'amount', v_take));
    v_need := v_need - v_take;
  end loop;

  update balances set balance = balance - v_covered, last_seq = last_seq + 1
   where account_id = p_account and unit = p_unit;

  insert into ledger_entries (id, account_id, unit, seq, type, amount, overage, balance_after,
      idempotency_key, request_hash, description, reference, burns, effective_at)
  values (p_entry_id, p_account, p_unit, v_seq + 1, p_type, -v_covered, p_amount - v_covered,
      v_balance - v_covered, p_key, p_hash, p_description, p_reference, v_burns, p_at);

  if p_usage is not null then
    insert into usage_events
    select * from jsonb_populate_record(null::usage_events, p_usage || jsonb_build_object(
      'ledger_entry_id', p_entry_id, 'overage', p_amount - v_covered,
      'balance_after', v_balance - v_covered, 'created_at', now()));
    if p_items is not null then
      insert into usage_items select * from jsonb_populate_recordset(null::usage_items, p_items);
    end if;
  end if;

  -- Publisher revenue shares, computed exactly by the caller (src/payouts), accrue in the same
  -- transaction as the debit that earns them.
  if p_accruals is not null then
    insert into publisher_accruals select * from jsonb_populate_recordset(null::publisher_accruals, p_accruals);
  end if;

  if v_new_agent then
    insert into account_agents (account_id, agent) values (p_account, p_agent) on conflict do nothing;
  end if;

  return query select 'ok'::text, p_entry_id, v_balance - v_covered, v_covered, p_amount - v_covered,
    v_available, p_hash, null::integer;
end
$fn$;
`;

/**
 * Micro-batching: many debits in one call and one transaction (one commit, one round trip).
 * The caller orders items by account and unit, so concurrent batches take balance-row locks in
 * the same order and cannot deadlock. Results come back in input order (`idx`).
 */
export const DEBIT_BATCH_FUNCTION_SQL = `
create or replace function settle_debit_batch(p_batch jsonb)
returns table (
  idx integer, outcome text, entry_id text, balance_after bigint, covered bigint, overage bigint,
  available bigint, request_hash text, agent_limit integer
) language plpgsql as $fn$
declare
  item jsonb;
  i integer := 0;
begin
  for item in select value from jsonb_array_elements(p_batch) loop
    return query select i, d.* from settle_debit(
      item->>'account_id', item->>'unit', (item->>'amount')::bigint, item->>'key', item->>'hash',
      item->>'type', item->>'description', item->>'reference', (item->>'at')::timestamptz, item->>'entry_id',
      item->>'agent', nullif(item->'usage', 'null'), nullif(item->'items', 'null'), nullif(item->'accruals', 'null')) d;
    i := i + 1;
  end loop;
end
$fn$;
`;
