/**
 * The debit hot path, loading per batch (issue 14). Replaces ./settle-debit-one-row.ts (kept as it
 * was: migrations are frozen); it decides and writes exactly what that version does, and reads
 * the batch's accounts with at most three statements for the whole batch instead of up to three
 * per account:
 *
 * - one locks the credits balance row of every account the batch names, in account order ("C"
 *   collation), with the account's plan terms and alert settings;
 * - one loads their spendable credit grants, each account's in burn order;
 * - one sums the active holds of those whose plan allows no overage (the only ones holds limit).
 *
 * A statement costs PostgreSQL far more to start than to return one more row, and at a batch of
 * thirty debits over thirty accounts those per-account reads were most of the function's time.
 * The reads still happen under the balance row locks, so nothing they return can go stale before
 * the writes. The lock order stays the one every writer uses: credits rows in account order, then
 * an account's tokens row (still locked, with its grants, only when a debit takes tokens).
 *
 * Each debit is answered by setting the output columns and `return next` (a `return query` per
 * answer was one more statement per debit), and the agents insert runs only when a debit named a
 * new agent.
 *
 * This SQL is the only implementation of the debit rules (burn order, spendable at the event's
 * time, holds reserving credits, tokens with credits, the alerts); src/credits/compute/burn-order.ts
 * is the model the property tests compare it with.
 */
export const DEBIT_BATCH_PRELOADED_SQL = `
drop function if exists settle_debit_batch(jsonb);
create function settle_debit_batch(p_batch jsonb)
returns table (
  idx integer, outcome text, entry_id text, balance_after bigint, covered bigint, overage bigint,
  available bigint, request_hash text, agent_limit integer
) language plpgsql as $fn$
declare
  it record;
  i integer;

  -- the batch's accounts in lock order, and what was loaded for each (by that position)
  b_ids text[] := '{}';
  b_balance bigint[] := '{}';
  b_seq bigint[] := '{}';
  b_overage_allowed boolean[] := '{}';
  b_agent_limit integer[] := '{}';
  b_meters_tokens boolean[] := '{}';
  b_period_start timestamptz[] := '{}';
  b_thresholds text[] := '{}';  -- billing_alerts.thresholds_percent as text (arrays of arrays must be rectangular)
  b_low_floor bigint[] := '{}';
  b_held bigint[];
  b_hard_limit_ids text[] := '{}'; -- the accounts whose plan allows no overage: only their holds matter
  b_grants_from integer[];      -- the account's credit grants: positions in the c_ arrays
  b_grants_to integer[];
  -- every spendable credit grant of the batch's accounts, grouped by account, each in burn order
  c_ids text[];
  c_remaining bigint[];
  c_starts timestamptz[];
  c_expires timestamptz[];
  c_included bigint[];
  loaded record;               -- a row of the batch's reads
  pos integer;
  ai integer := 1;              -- the current account's position in b_ids (or where it would be)
  a_found boolean;

  -- the current account: plan terms, keys and agents taken in this batch
  a_id text;
  a_overage_allowed boolean;
  a_agent_limit integer;
  a_meters_tokens boolean;      -- the plan has a monthly token allowance
  a_period_start timestamptz;
  a_period text;                -- the open period, YYYY-MM
  a_thresholds integer[];       -- percentages of the included grant (billing_alerts; null: 50/80/100)
  a_low_floor bigint;           -- credits.low_balance floor, micro-credits (null = off)
  a_agents_in_db integer;
  a_new_agents text[];
  a_keys text[];
  a_key_entries text[];
  a_key_hashes text[];
  a_held bigint;                -- credits reserved by the account's active holds (hard-limit plans only)
  -- its two units, by slot (1 credits, 2 tokens): locked balance, and the w_balance_* slot once changed
  s integer;
  s_loaded boolean[];
  s_balance bigint[];
  s_seq bigint[];
  s_written integer[];
  -- the loaded units' spendable grants, each unit's in burn order
  g_unit integer[];
  g_ids text[];
  g_remaining bigint[];
  g_starts timestamptz[];
  g_expires timestamptz[];
  g_included bigint[];          -- the granted amount of an included grant, null for other kinds

  -- one debit: its takes (slot, amount), what each may spend, and its results
  v_existing record;
  v_balance bigint;
  v_seq bigint;
  v_new_agent boolean;
  v_slots integer[];
  v_amounts bigint[];
  v_available bigint[];
  v_covered bigint[];
  v_balances bigint[];
  t integer;
  v_need bigint;
  v_take bigint;
  v_burns jsonb;
  v_burn_grant text;            -- the grant of a debit's only burn (stored as grant_id, no burns)
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
  w_grants text[] := '{}';
  w_burns jsonb[] := '{}';
  w_effective timestamptz[] := '{}';
  -- arrays of jsonb, not one growing jsonb array: appending to a plpgsql array does not copy it
  w_usage jsonb[] := '{}';      -- per entry: the usage columns (null on token entries and plain debits)
  w_lines jsonb[] := '{}';      -- per entry: the priced lines (null likewise)
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
  -- The credits rows first, every one the batch names, in account order (the lock order). An
  -- account without a row is not among them: its debits answer no_account.
  for loaded in
    select b.account_id, b.balance, b.last_seq, p.overage_allowed, p.agent_limit, p.included_tokens > 0 as meters_tokens,
           a.period_start, al.thresholds_percent::text as thresholds, al.low_balance_micro
      from balances b join accounts a on a.id = b.account_id join plans p on p.id = a.plan_id
      left join billing_alerts al on al.account_id = b.account_id
     where b.account_id = any(array(select x.account_id from jsonb_to_recordset(p_batch) as x(account_id text))) and b.unit = 'credits'
     order by b.account_id collate "C"
       for update of b
  loop
    b_ids := array_append(b_ids, loaded.account_id);
    b_balance := array_append(b_balance, loaded.balance);
    b_seq := array_append(b_seq, loaded.last_seq);
    b_overage_allowed := array_append(b_overage_allowed, loaded.overage_allowed);
    b_agent_limit := array_append(b_agent_limit, loaded.agent_limit);
    b_meters_tokens := array_append(b_meters_tokens, loaded.meters_tokens);
    b_period_start := array_append(b_period_start, loaded.period_start);
    b_thresholds := array_append(b_thresholds, loaded.thresholds);
    b_low_floor := array_append(b_low_floor, loaded.low_balance_micro);
    if not loaded.overage_allowed then
      b_hard_limit_ids := array_append(b_hard_limit_ids, loaded.account_id);
    end if;
  end loop;
  b_held := array_fill(0::bigint, array[cardinality(b_ids)]);
  b_grants_from := array_fill(1, array[cardinality(b_ids)]);
  b_grants_to := array_fill(0, array[cardinality(b_ids)]);

  -- Their spendable credit grants, each account's in burn order, as one run per account.
  pos := 1;
  c_ids := '{}'; c_remaining := '{}'; c_starts := '{}'; c_expires := '{}'; c_included := '{}';
  for loaded in
    select gr.account_id, gr.id, gr.remaining, gr.starts_at, gr.expires_at, case when gr.kind = 'included' then gr.amount end as included
      from grants gr
     where gr.account_id = any(b_ids) and gr.unit = 'credits' and gr.remaining > 0
     order by gr.account_id collate "C", gr.priority, gr.expires_at nulls last, gr.created_at, gr.id
  loop
    if b_ids[pos] <> loaded.account_id then
      while b_ids[pos] <> loaded.account_id loop pos := pos + 1; end loop;
      b_grants_from[pos] := cardinality(c_ids) + 1;
    end if;
    c_ids := array_append(c_ids, loaded.id);
    c_remaining := array_append(c_remaining, loaded.remaining);
    c_starts := array_append(c_starts, loaded.starts_at);
    c_expires := array_append(c_expires, loaded.expires_at);
    c_included := array_append(c_included, loaded.included);
    b_grants_to[pos] := cardinality(c_ids);
  end loop;

  -- Credits their active holds reserve: spendable only on plans without overage, so only theirs are read.
  if cardinality(b_hard_limit_ids) > 0 then
    for loaded in
      select h.account_id, sum(h.amount)::bigint as held
        from holds h where h.account_id = any(b_hard_limit_ids) and h.status = 'active' and h.expires_at > now()
       group by h.account_id
    loop
      b_held[array_position(b_ids, loaded.account_id)] := loaded.held;
    end loop;
  end if;

  for it in
    select x.n - 1 as i, x.account_id, x.unit, x.amount, x.key, x.hash, x.type, x.description, x.reference, x.at, x.entry_id,
           x.agent, nullif(x.usage, 'null') as usage, nullif(x.lines, 'null') as lines, nullif(x.accruals, 'null') as accruals,
           coalesce(x.tokens, 0) as tokens, x.token_entry_id
      from rows from (jsonb_to_recordset(p_batch) as (account_id text, unit text, amount bigint, key text, hash text, type text,
           description text, reference text, at timestamptz, entry_id text, agent text, usage jsonb, lines jsonb, accruals jsonb,
           tokens bigint, token_entry_id text))
           with ordinality as x(account_id, unit, amount, key, hash, type, description, reference, at, entry_id, agent, usage, lines,
           accruals, tokens, token_entry_id, n)
     order by x.account_id collate "C", x.n
  loop
    i := it.i;

    if it.account_id is distinct from a_id then
      a_id := it.account_id;
      -- items come in b_ids' order: walk on to this account's place
      while ai <= cardinality(b_ids) and b_ids[ai] < it.account_id collate "C" loop ai := ai + 1; end loop;
      a_found := ai <= cardinality(b_ids) and b_ids[ai] = it.account_id;
      a_agents_in_db := null;
      a_new_agents := '{}';
      a_keys := '{}';
      a_key_entries := '{}';
      a_key_hashes := '{}';
      a_period := null; -- formatted only when an event needs it
      s_loaded := '{true,false}'; -- credit grants came with the batch; tokens are loaded when taken
      s_balance := '{0,0}';
      s_seq := '{0,0}';
      s_written := '{null,null}';
      g_unit := '{}'; g_ids := '{}'; g_remaining := '{}'; g_starts := '{}'; g_expires := '{}'; g_included := '{}';
      if a_found then
        a_overage_allowed := b_overage_allowed[ai];
        a_agent_limit := b_agent_limit[ai];
        a_meters_tokens := b_meters_tokens[ai];
        a_period_start := b_period_start[ai];
        a_thresholds := b_thresholds[ai]::integer[];
        a_low_floor := b_low_floor[ai];
        a_held := b_held[ai];
        s_balance[1] := b_balance[ai];
        s_seq[1] := b_seq[ai];
        if b_grants_to[ai] >= b_grants_from[ai] then
          g_ids := c_ids[b_grants_from[ai]:b_grants_to[ai]];
          g_remaining := c_remaining[b_grants_from[ai]:b_grants_to[ai]];
          g_starts := c_starts[b_grants_from[ai]:b_grants_to[ai]];
          g_expires := c_expires[b_grants_from[ai]:b_grants_to[ai]];
          g_included := c_included[b_grants_from[ai]:b_grants_to[ai]];
          g_unit := array_fill(1, array[cardinality(g_ids)]);
        end if;
      end if;
    end if;
    if not a_found then
      idx := i; outcome := 'no_account'; entry_id := null; balance_after := null; covered := null; overage := null; available := null; request_hash := null; agent_limit := null; return next;
      continue;
    end if;

    -- a key is used once per account: by an earlier debit of this batch, or in the ledger
    -- (a request that sent no key has none: nothing to look for, never a replay)
    if it.key is not null then
      k := array_position(a_keys, it.key);
      if k is not null then
        idx := i; outcome := 'replay'; entry_id := a_key_entries[k]; balance_after := null; covered := null; overage := null; available := null; request_hash := a_key_hashes[k]; agent_limit := null; return next;
        continue;
      end if;
      select e.id, e.request_hash into v_existing
        from ledger_entries e where e.account_id = it.account_id and e.idempotency_key = it.key;
      if found then
        idx := i; outcome := 'replay'; entry_id := v_existing.id; balance_after := null; covered := null; overage := null; available := null; request_hash := v_existing.request_hash; agent_limit := null; return next;
        continue;
      end if;
    end if;

    -- Late usage may land in the open period, never in one already closed.
    if it.at < a_period_start then
      idx := i; outcome := 'closed_period'; entry_id := null; balance_after := null; covered := null; overage := null; available := null; request_hash := null; agent_limit := null; return next;
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
          idx := i; outcome := 'agent_limit'; entry_id := null; balance_after := null; covered := null; overage := null; available := null; request_hash := null; agent_limit := a_agent_limit; return next;
          continue;
        end if;
      end if;
    end if;

    -- The takes of this debit: its amount in its unit, then its model tokens where the plan meters them.
    v_slots := array[case when it.unit = 'tokens' then 2 else 1 end];
    v_amounts := array[it.amount];
    if it.tokens > 0 and it.unit = 'credits' and a_meters_tokens then
      v_slots := v_slots || 2;
      v_amounts := v_amounts || it.tokens;
    end if;

    -- What each take may spend at the event's time: remaining, started, not expired; on a
    -- hard-limit plan credits reserved by holds are not spendable, and a take short of its
    -- amount refuses the whole debit before anything is taken.
    v_available := '{}';
    for t in 1 .. cardinality(v_slots) loop
      s := v_slots[t];
      if not s_loaded[s] then
        if s = 2 then
          select b.balance, b.last_seq into v_balance, v_seq
            from balances b where b.account_id = it.account_id and b.unit = 'tokens'
             for update of b;
          s_balance[2] := v_balance;
          s_seq[2] := v_seq;
        end if;
        select g_unit || coalesce(array_agg(s), '{}'),
               g_ids || coalesce(array_agg(gr.id order by gr.priority, gr.expires_at nulls last, gr.created_at, gr.id), '{}'),
               g_remaining || coalesce(array_agg(gr.remaining order by gr.priority, gr.expires_at nulls last, gr.created_at, gr.id), '{}'),
               g_starts || coalesce(array_agg(gr.starts_at order by gr.priority, gr.expires_at nulls last, gr.created_at, gr.id), '{}'),
               g_expires || coalesce(array_agg(gr.expires_at order by gr.priority, gr.expires_at nulls last, gr.created_at, gr.id), '{}'),
               g_included || coalesce(array_agg(case when gr.kind = 'included' then gr.amount end order by gr.priority, gr.expires_at nulls last, gr.created_at, gr.id), '{}')
          into g_unit, g_ids, g_remaining, g_starts, g_expires, g_included
          from grants gr
         where gr.account_id = it.account_id and gr.unit = case when s = 2 then 'tokens' else 'credits' end and gr.remaining > 0;
        s_loaded[s] := true;
      end if;
      v_available[t] := 0;
      for k in 1 .. cardinality(g_ids) loop
        if g_unit[k] = s and g_remaining[k] > 0 and g_starts[k] <= it.at and (g_expires[k] is null or g_expires[k] > it.at) then
          v_available[t] := v_available[t] + g_remaining[k];
        end if;
      end loop;
      if s = 1 and not a_overage_allowed then
        -- read with the batch, under the balance row locks that settle_hold and captures take too
        v_available[t] := greatest(v_available[t] - a_held, 0);
      end if;
      exit when v_available[t] < v_amounts[t] and not a_overage_allowed;
    end loop;

    if v_available[cardinality(v_available)] < v_amounts[cardinality(v_available)] and not a_overage_allowed then
      if v_slots[cardinality(v_available)] = 2 and it.unit = 'credits' then
        idx := i; outcome := 'insufficient_tokens'; entry_id := null; balance_after := null; covered := null; overage := null; available := v_available[2]; request_hash := null; agent_limit := null; return next;
        continue;
      end if;
      if it.unit = 'credits' then
        a_period := coalesce(a_period, to_char(a_period_start at time zone 'UTC', 'YYYY-MM'));
        w_event_types := w_event_types || 'credits.exhausted'::text;
        w_event_accounts := w_event_accounts || it.account_id;
        w_event_payloads := w_event_payloads || jsonb_build_object('period', a_period,
          'credits_required', it.amount::numeric / 1000000, 'credits_available', v_available[1]::numeric / 1000000);
        w_event_dedupe := w_event_dedupe || ('exhausted:' || it.account_id || ':' || a_period);
      end if;
      idx := i; outcome := 'insufficient'; entry_id := null; balance_after := null; covered := null; overage := null; available := v_available[1]; request_hash := null; agent_limit := null; return next;
      continue;
    end if;

    -- Take each: grants in burn order, then a ledger entry and the unit's new balance.
    v_covered := '{}';
    v_balances := '{}';
    for t in 1 .. cardinality(v_slots) loop
      s := v_slots[t];
      v_covered[t] := least(v_amounts[t], v_available[t]);
      v_need := v_covered[t];
      v_burns := null;
      v_burn_grant := null;
      v_crossed := '{}';
      for k in 1 .. cardinality(g_ids) loop
        exit when v_need = 0;
        continue when not (g_unit[k] = s and g_remaining[k] > 0 and g_starts[k] <= it.at and (g_expires[k] is null or g_expires[k] > it.at));
        v_take := least(g_remaining[k], v_need);
        -- Usage of the included credit grant: only a take that changes the whole percentage
        -- used can cross a threshold, so most debits stop at this comparison.
        if s = 1 and g_included[k] is not null then
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
        -- One burn (most debits) is the entry's grant_id, its amount the entry's; two or more are listed.
        if v_burns is null and v_burn_grant is null then
          v_burn_grant := g_ids[k];
        else
          v_burns := coalesce(v_burns, jsonb_build_array(jsonb_build_object('grant_id', v_burn_grant, 'amount', v_covered[t] - v_need)))
                     || jsonb_build_array(jsonb_build_object('grant_id', g_ids[k], 'amount', v_take));
          v_burn_grant := null;
        end if;
        v_need := v_need - v_take;
      end loop;

      if s = 1 and a_low_floor is not null and s_balance[1] >= a_low_floor and s_balance[1] - v_covered[t] < a_low_floor then
        a_period := coalesce(a_period, to_char(a_period_start at time zone 'UTC', 'YYYY-MM'));
        w_event_types := w_event_types || 'credits.low_balance'::text;
        w_event_accounts := w_event_accounts || it.account_id;
        w_event_payloads := w_event_payloads || jsonb_build_object('period', a_period,
          'balance', (s_balance[1] - v_covered[t])::numeric / 1000000, 'low_balance_credits', a_low_floor::numeric / 1000000);
        w_event_dedupe := w_event_dedupe || null::text;
      end if;
      s_balance[s] := s_balance[s] - v_covered[t];
      s_seq[s] := s_seq[s] + 1;
      v_balances[t] := s_balance[s];
      if cardinality(v_crossed) > 0 then
        a_period := coalesce(a_period, to_char(a_period_start at time zone 'UTC', 'YYYY-MM'));
        foreach v_pct in array v_crossed loop
          w_event_types := w_event_types || 'credits.threshold_reached'::text;
          w_event_accounts := w_event_accounts || it.account_id;
          w_event_payloads := w_event_payloads || jsonb_build_object('threshold_percent', v_pct, 'period', a_period,
            'used_credits', v_cross_used::numeric / 1000000, 'included_credits', v_cross_included::numeric / 1000000,
            'balance', s_balance[1]::numeric / 1000000);
          w_event_dedupe := w_event_dedupe || ('threshold:' || it.account_id || ':' || a_period || ':' || v_pct);
        end loop;
      end if;
      if s_written[s] is null then
        w_balance_accounts := w_balance_accounts || a_id;
        w_balance_units := w_balance_units || case when s = 2 then 'tokens' else 'credits' end;
        w_balance_values := w_balance_values || s_balance[s];
        w_balance_seqs := w_balance_seqs || s_seq[s];
        s_written[s] := cardinality(w_balance_values);
      else
        w_balance_values[s_written[s]] := s_balance[s];
        w_balance_seqs[s_written[s]] := s_seq[s];
      end if;

      w_entry_ids := w_entry_ids || case when t = 1 then it.entry_id else it.token_entry_id end;
      w_accounts := w_accounts || it.account_id;
      w_units := w_units || case when s = 2 then 'tokens' else 'credits' end;
      w_seqs := w_seqs || s_seq[s];
      w_types := w_types || it.type;
      w_amounts := w_amounts || -v_covered[t];
      w_overages := w_overages || (v_amounts[t] - v_covered[t]);
      w_balances_after := w_balances_after || s_balance[s];
      w_keys := w_keys || case when t = 1 then it.key else 'tokens:' || it.key end;
      w_hashes := array_append(w_hashes, case when it.key is not null then left(it.hash, 32) end); -- only a keyed request is ever compared
      w_descriptions := w_descriptions || case when t = 1 then it.description else 'Model tokens' end;
      w_references := w_references || it.reference;
      w_grants := array_append(w_grants, v_burn_grant);
      w_burns := array_append(w_burns, v_burns);
      -- the usage record is the credits entry's: its columns and priced lines
      w_usage := array_append(w_usage, case when t = 1 then it.usage end);
      w_lines := array_append(w_lines, case when t = 1 and it.usage is not null then coalesce(it.lines, '[]') end);
      w_effective := w_effective || it.at;
    end loop;

    if it.key is not null then
      a_keys := a_keys || it.key;
      a_key_entries := a_key_entries || it.entry_id;
      a_key_hashes := a_key_hashes || left(it.hash, 32);
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

    idx := i; outcome := 'ok'; entry_id := it.entry_id; balance_after := v_balances[1]; covered := v_covered[1]; overage := v_amounts[1] - v_covered[1]; available := v_available[1]; request_hash := it.hash; agent_limit := null; return next;
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

  -- A usage entry carries its usage record (the usage_events and usage_items views read it);
  -- values that are zero are stored as null, which costs no bytes, and read back as 0.
  insert into ledger_entries (id, account_id, unit, seq, type, amount, overage, balance_after,
      idempotency_key, request_hash, description, reference, grant_id, burns, effective_at,
      agent, task_id, markup, rounding, provider_cost, input_tokens, output_tokens, cache_write_tokens, cache_read_tokens,
      markup_bps, lines)
  select x.id, x.account_id, x.unit, x.seq, x.type, x.amount, x.overage, x.balance_after,
         x.key, x.hash, x.description, x.reference, x.grant_id, x.burns, x.effective,
         u.agent, u.task_id, nullif(u.markup, 0), nullif(u.rounding, 0), nullif(u.provider_cost, 0), nullif(u.input_tokens, 0),
         nullif(u.output_tokens, 0), nullif(u.cache_write_tokens, 0), nullif(u.cache_read_tokens, 0), u.markup_bps, x.lines
    from unnest(w_entry_ids, w_accounts, w_units, w_seqs, w_types, w_amounts, w_overages, w_balances_after,
           w_keys, w_hashes, w_descriptions, w_references, w_grants, w_burns, w_effective, w_usage, w_lines)
           as x(id, account_id, unit, seq, type, amount, overage, balance_after, key, hash, description, reference, grant_id, burns,
                effective, usage, lines)
    left join lateral jsonb_to_record(x.usage) as u(agent text, task_id text, markup bigint, rounding bigint, provider_cost bigint,
           input_tokens bigint, output_tokens bigint, cache_write_tokens bigint, cache_read_tokens bigint, markup_bps integer) on true;
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
  if cardinality(w_agents) > 0 then
    insert into account_agents (account_id, agent)
    select * from unnest(w_agent_accounts, w_agents) on conflict do nothing;
  end if;
end
$fn$;
`;
