import type { Knex } from 'knex';

/**
 * Hold placements micro-batched like debits and captures (src/holds/place-hold.ts): one call,
 * one round trip and one commit for the placements that arrive while a call is in flight.
 * Balance rows are locked first, all at once, in the order every debit batch takes them (so
 * batches cannot deadlock); then each placement is `settle_hold` itself, in the batch's order
 * within an account (the row lock it takes is already held), so its rules stay in one place
 * (migrations/20261204000102_holds_agent_limit_and_sweep.ts): a later placement of the batch sees
 * the holds an earlier one placed, and a key used twice in one batch is a replay the second time.
 */
const SETTLE_HOLD_BATCH_SQL = `
create function settle_hold_batch(p_batch jsonb)
returns table (idx integer, outcome text, hold_id text, available bigint, request_hash text, agent_limit integer)
language plpgsql as $fn$
declare
  it record;
begin
  perform 1 from balances b
   where b.unit = 'credits' and b.account_id in (select x->>'account_id' from jsonb_array_elements(p_batch) x)
   order by b.account_id collate "C"
     for update of b;

  for it in
    select (x.n - 1)::integer as i, r.*
      from jsonb_array_elements(p_batch) with ordinality as x(v, n),
           jsonb_to_record(x.v) as r(account_id text, id text, amount bigint, expires_at timestamptz, agent text, task_id text, key text, hash text)
     order by r.account_id collate "C", x.n
  loop
    return query select it.i, h.* from settle_hold(it.account_id, it.id, it.amount, it.expires_at, it.agent, it.task_id, it.key, it.hash) h;
  end loop;
end
$fn$;
`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(SETTLE_HOLD_BATCH_SQL);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function settle_hold_batch(jsonb)');
}
