/**
 * Holds: credits reserved before a long-running call (an LLM request whose cost is known only
 * afterwards), captured or released once it is done. A hold is not a ledger entry: the balance
 * does not move until the capture, which is an ordinary usage debit (src/holds/capture-hold.ts).
 *
 * `settle_hold` places one hold in one call, under the same balance row lock every debit takes
 * (so holds and debits of one account are serialised and cannot both spend the same credit):
 * it looks up the idempotency key, reads what is available (spendable grants − active holds),
 * and inserts the hold unless the account's plan has a hard limit and it does not fit.
 * On a plan that allows overage a hold always fits: overage plans never refuse a debit, so a
 * hold there only records the intent and blocks nothing.
 *
 * Expiry needs no timer: a hold whose `expires_at` has passed reserves nothing wherever holds are
 * summed. While it holds the lock, `settle_hold` also marks the account's passed holds expired,
 * which keeps the partial index of active holds small (listing does the same, see holds.queries.ts).
 *
 * Outcomes: ok (hold_id, available_after) | replay (hold_id, request_hash of the original) |
 * insufficient (available) | no_account.
 */
export const SETTLE_HOLD_SQL = `
create or replace function settle_hold(
  p_account text, p_id text, p_amount bigint, p_expires_at timestamptz,
  p_agent text, p_task_id text, p_key text, p_hash text
) returns table (outcome text, hold_id text, available bigint, request_hash text)
language plpgsql as $fn$
declare
  v_overage_allowed boolean;
  v_existing record;
  v_spendable bigint;
  v_held bigint;
  v_available bigint;
begin
  select p.overage_allowed into v_overage_allowed
    from balances b join accounts a on a.id = b.account_id join plans p on p.id = a.plan_id
   where b.account_id = p_account and b.unit = 'credits'
     for update of b;
  if not found then
    return query select 'no_account'::text, null::text, null::bigint, null::text;
    return;
  end if;

  select h.id, h.request_hash into v_existing from holds h where h.account_id = p_account and h.idempotency_key = p_key;
  if found then
    return query select 'replay'::text, v_existing.id, null::bigint, v_existing.request_hash;
    return;
  end if;

  update holds h set status = 'expired', settled_at = h.expires_at
   where h.account_id = p_account and h.status = 'active' and h.expires_at <= now();

  select coalesce(sum(g.remaining), 0) into v_spendable
    from grants g
   where g.account_id = p_account and g.unit = 'credits' and g.remaining > 0
     and g.starts_at <= now() and (g.expires_at is null or g.expires_at > now());
  select coalesce(sum(h.amount), 0) into v_held
    from holds h where h.account_id = p_account and h.status = 'active' and h.expires_at > now();
  v_available := v_spendable - v_held;

  if not v_overage_allowed and v_available < p_amount then
    return query select 'insufficient'::text, null::text, greatest(v_available, 0), null::text;
    return;
  end if;

  insert into holds (id, account_id, amount, status, expires_at, agent, task_id, idempotency_key, request_hash, available_after)
  values (p_id, p_account, p_amount, 'active', p_expires_at, p_agent, p_task_id, p_key, p_hash, greatest(v_available - p_amount, 0));
  return query select 'ok'::text, p_id, greatest(v_available - p_amount, 0), p_hash;
end
$fn$;
`;
