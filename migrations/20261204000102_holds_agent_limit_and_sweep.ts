import type { Knex } from 'knex';
import { SETTLE_HOLD_SQL } from './sql/settle-hold';

/**
 * Holds, finished (issue 18):
 *   - `settle_hold` refuses a hold for a new agent when the plan's agent limit is reached, with
 *     the `agent_limit` outcome a debit gets. The agents counted are the account's known ones
 *     (those with recorded usage) and those of its live holds: a hold reserves its agent's place
 *     as it reserves credits, so concurrent holds for new agents cannot all pass and then fail at
 *     capture. The return type gains `agent_limit`, so the function is dropped and created again.
 *   - An index of active holds by expiry, for the periodic sweep that marks passed holds expired
 *     across all accounts (src/holds/expiry-sweep.ts).
 */
const SETTLE_HOLD_AGENTS_SQL = `
create function settle_hold(
  p_account text, p_id text, p_amount bigint, p_expires_at timestamptz,
  p_agent text, p_task_id text, p_key text, p_hash text
) returns table (outcome text, hold_id text, available bigint, request_hash text, agent_limit integer)
language plpgsql as $fn$
declare
  v_overage_allowed boolean;
  v_agent_limit integer;
  v_agents integer;
  v_existing record;
  v_spendable bigint;
  v_held bigint;
  v_available bigint;
begin
  select p.overage_allowed, p.agent_limit into v_overage_allowed, v_agent_limit
    from balances b join accounts a on a.id = b.account_id join plans p on p.id = a.plan_id
   where b.account_id = p_account and b.unit = 'credits'
     for update of b;
  if not found then
    return query select 'no_account'::text, null::text, null::bigint, null::text, null::integer;
    return;
  end if;

  select h.id, h.request_hash into v_existing from holds h where h.account_id = p_account and h.idempotency_key = p_key;
  if found then
    return query select 'replay'::text, v_existing.id, null::bigint, v_existing.request_hash, null::integer;
    return;
  end if;

  update holds h set status = 'expired', settled_at = h.expires_at
   where h.account_id = p_account and h.status = 'active' and h.expires_at <= now();

  -- the agent limit, as a debit checks it, counting the agents of live holds as taken
  if p_agent is not null and v_agent_limit is not null
     and not exists (select 1 from account_agents aa where aa.account_id = p_account and aa.agent = p_agent)
     and not exists (select 1 from holds h where h.account_id = p_account and h.status = 'active' and h.agent = p_agent) then
    select count(*) into v_agents from (
      select aa.agent from account_agents aa where aa.account_id = p_account
      union
      select h.agent from holds h where h.account_id = p_account and h.status = 'active' and h.agent is not null) known;
    if v_agents >= v_agent_limit then
      return query select 'agent_limit'::text, null::text, null::bigint, null::text, v_agent_limit;
      return;
    end if;
  end if;

  select coalesce(sum(g.remaining), 0) into v_spendable
    from grants g
   where g.account_id = p_account and g.unit = 'credits' and g.remaining > 0
     and g.starts_at <= now() and (g.expires_at is null or g.expires_at > now());
  select coalesce(sum(h.amount), 0) into v_held
    from holds h where h.account_id = p_account and h.status = 'active' and h.expires_at > now();
  v_available := v_spendable - v_held;

  if not v_overage_allowed and v_available < p_amount then
    return query select 'insufficient'::text, null::text, greatest(v_available, 0), null::text, null::integer;
    return;
  end if;

  insert into holds (id, account_id, amount, status, expires_at, agent, task_id, idempotency_key, request_hash, available_after)
  values (p_id, p_account, p_amount, 'active', p_expires_at, p_agent, p_task_id, p_key, p_hash, greatest(v_available - p_amount, 0));
  return query select 'ok'::text, p_id, greatest(v_available - p_amount, 0), p_hash, null::integer;
end
$fn$;
`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop function settle_hold(text, text, bigint, timestamptz, text, text, text, text)');
  await knex.raw(SETTLE_HOLD_AGENTS_SQL);
  await knex.raw(`create index holds_active_by_expiry on holds (expires_at) where status = 'active'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index holds_active_by_expiry');
  await knex.raw('drop function settle_hold(text, text, bigint, timestamptz, text, text, text, text)');
  await knex.raw(SETTLE_HOLD_SQL);
}
