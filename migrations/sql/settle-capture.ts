/**
 * Hold captures in one database call (issue 18), micro-batched like debits
 * (src/holds/capture-batcher.ts). A batch item is `{hold_id, uncaptured_description, debit}`,
 * where `debit` is the usage debit exactly as `settle_debit_batch` takes it, priced by the caller.
 *
 * Per capture, in the batch's order within an account:
 *   - the idempotency key: a key the account already used answers `replay` (the caller answers
 *     the original capture);
 *   - the hold, row-locked: unknown → `not_found`; no longer live → `not_active` (its status);
 *   - what it may charge (src/holds/compute/capture-amount.ts has the rule and its tests):
 *     all of it on a plan with overage or when `spendable at the event's time − the account's
 *     other live holds` covers it, otherwise that much and the rest `uncaptured`, shown as an
 *     `uncaptured` breakdown line and never charged;
 *   - the hold is marked captured *before* the debit, so the debit no longer counts it as
 *     reserved and spends it; then the debit itself, by calling `settle_debit_batch`: whatever
 *     version is installed (outbox events, …) records the capture exactly as POST /v1/usage.
 *     A debit the function refuses (agent limit, closed period) leaves the hold active again.
 *
 * Captures of a batch are debited one call each, in order, so each one sees the grants and
 * holds the previous left (its cap is exact); the batch still costs one round trip and one
 * commit. Balance rows are locked first, all at once, in the order every debit batch takes them
 * (account id, "C" collation), so captures, debits and placements cannot deadlock; a release
 * takes only its hold's row, which a capture locks after its balance row, never before.
 *
 * Outcomes: ok | replay | not_found | not_active | no_account | and the debit's refusals
 * (insufficient, agent_limit, closed_period; insufficient cannot happen since the charge is capped).
 */
export const SETTLE_CAPTURE_BATCH_SQL = `
create or replace function settle_capture_batch(p_batch jsonb)
returns table (
  idx integer, outcome text, entry_id text, balance_after bigint, covered bigint, overage bigint,
  available bigint, request_hash text, agent_limit integer, hold_status text, charged bigint, uncaptured bigint
) language plpgsql as $fn$
declare
  it record;
  v_overage_allowed boolean;
  v_existing record;
  v_hold record;
  v_spendable bigint;
  v_held bigint;
  v_available bigint;
  v_charge bigint;
  v_uncaptured bigint;
  v_debit jsonb;
  d record;
begin
  perform 1 from balances b
   where b.unit = 'credits' and b.account_id in (select x->'debit'->>'account_id' from jsonb_array_elements(p_batch) x)
   order by b.account_id collate "C"
     for update of b;

  for it in
    select (x.n - 1)::integer as i, x.v->>'hold_id' as hold_id, x.v->>'uncaptured_description' as uncaptured_description,
           x.v->'debit' as debit, x.v->'debit'->>'account_id' as account_id, x.v->'debit'->>'key' as key,
           (x.v->'debit'->>'amount')::bigint as amount, (x.v->'debit'->>'at')::timestamptz as at
      from jsonb_array_elements(p_batch) with ordinality as x(v, n)
     order by x.v->'debit'->>'account_id' collate "C", x.n
  loop
    select p.overage_allowed into v_overage_allowed
      from balances b join accounts a on a.id = b.account_id join plans p on p.id = a.plan_id
     where b.account_id = it.account_id and b.unit = 'credits';
    if not found then
      return query select it.i, 'no_account'::text, null::text, null::bigint, null::bigint, null::bigint, null::bigint, null::text, null::integer, null::text, null::bigint, null::bigint;
      continue;
    end if;

    select e.id, e.request_hash into v_existing
      from ledger_entries e where e.account_id = it.account_id and e.idempotency_key = it.key;
    if found then
      return query select it.i, 'replay'::text, v_existing.id, null::bigint, null::bigint, null::bigint, null::bigint, v_existing.request_hash, null::integer, null::text, null::bigint, null::bigint;
      continue;
    end if;

    select h.id, h.status = 'active' and h.expires_at > now() as live,
           case when h.status = 'active' and h.expires_at <= now() then 'expired' else h.status end as shown
      into v_hold
      from holds h where h.account_id = it.account_id and h.id = it.hold_id
       for update of h;
    if not found then
      return query select it.i, 'not_found'::text, null::text, null::bigint, null::bigint, null::bigint, null::bigint, null::text, null::integer, null::text, null::bigint, null::bigint;
      continue;
    end if;
    if not v_hold.live then
      return query select it.i, 'not_active'::text, null::text, null::bigint, null::bigint, null::bigint, null::bigint, null::text, null::integer, v_hold.shown, null::bigint, null::bigint;
      continue;
    end if;

    v_charge := it.amount;
    v_uncaptured := 0;
    if not v_overage_allowed then
      select coalesce(sum(g.remaining), 0) into v_spendable
        from grants g
       where g.account_id = it.account_id and g.unit = 'credits' and g.remaining > 0
         and g.starts_at <= it.at and (g.expires_at is null or g.expires_at > it.at);
      select coalesce(sum(h.amount), 0) into v_held
        from holds h
       where h.account_id = it.account_id and h.status = 'active' and h.expires_at > now() and h.id <> it.hold_id;
      v_available := v_spendable - v_held;
      if it.amount > v_available then
        v_charge := greatest(v_available, 0);
        v_uncaptured := it.amount - v_charge;
      end if;
    end if;

    v_debit := it.debit;
    if v_uncaptured > 0 then
      v_debit := v_debit || jsonb_build_object(
        'amount', v_charge,
        'usage', (v_debit->'usage') || jsonb_build_object(
          'credits_charged', v_charge,
          'breakdown', (v_debit->'usage'->'breakdown') || jsonb_build_array(jsonb_build_object(
            'type', 'uncaptured', 'description', it.uncaptured_description, 'credits', -trim_scale(v_uncaptured::numeric / 1000000)))));
    end if;

    update holds h
       set status = 'captured', settled_at = now(), capture_entry_id = it.debit->>'entry_id', captured = v_charge, uncaptured = v_uncaptured
     where h.id = it.hold_id;
    select r.* into d from settle_debit_batch(jsonb_build_array(v_debit)) r;
    if d.outcome <> 'ok' then
      update holds h
         set status = 'active', settled_at = null, capture_entry_id = null, captured = null, uncaptured = null
       where h.id = it.hold_id;
      return query select it.i, d.outcome, d.entry_id, null::bigint, null::bigint, null::bigint, d.available, d.request_hash, d.agent_limit, 'active'::text, null::bigint, null::bigint;
      continue;
    end if;
    return query select it.i, 'ok'::text, d.entry_id, d.balance_after, d.covered, d.overage, d.available, d.request_hash, null::integer, 'captured'::text, v_charge, v_uncaptured;
  end loop;
end
$fn$;
`;
