import type { Knex } from 'knex';

/**
 * A usage event's breakdown was stored twice: as `usage_events.breakdown` (jsonb, the lines as
 * answered) and as its usage_items rows (what reports group). The rows are now the only copy:
 * readers rebuild the lines with `breakdownFromRows` (src/credits/usage-breakdown.ts) from the
 * items, the event's markup and rounding, the new `markup_bps` (the markup line's rate: null when
 * no agent markup was asked) and, for a capped hold capture, `holds.uncaptured`, found through
 * `holds.capture_entry_id`, which gets an index for that.
 *
 * `settle_capture_batch` (migrations/sql/settle-capture.ts) still appends an `uncaptured` line to
 * the debit's `usage.breakdown` key; with the column gone, `jsonb_populate_record` ignores that
 * key, so the edit is harmless (the hold's `uncaptured` is what the line is rebuilt from).
 */

/** The lines of event `e` rebuilt from its rows, as breakdownFromRows builds them (jsonb orders the keys). */
const REBUILT_BREAKDOWN_SQL = `
  coalesce((select jsonb_agg(case when i.kind = 'tool' then jsonb_build_object(
                  'type', 'tool', 'tool', i.tool, 'quantity', i.quantity,
                  'credits_per_execution', trim_scale((i.credits / i.quantity)::numeric / 1000000),
                  'credits', trim_scale(i.credits::numeric / 1000000))
                else jsonb_build_object(
                  'type', 'model', 'model', i.model, 'provider', i.provider,
                  'input_tokens', i.input_tokens, 'output_tokens', i.output_tokens,
                  'cache_write_tokens', i.cache_write_tokens, 'cache_read_tokens', i.cache_read_tokens,
                  'credits', trim_scale(i.credits::numeric / 1000000),
                  'provider_cost_usd', trim_scale(i.provider_cost::numeric / 1000000))
                  || case when coalesce(i.milli_minutes, 0) <> 0 then jsonb_build_object('minutes', trim_scale(i.milli_minutes::numeric / 1000)) else '{}' end
                  || case when coalesce(i.images, 0) <> 0 then jsonb_build_object('images', i.images) else '{}' end
                end order by i.position)
             from usage_items i where i.usage_event_id = e.id), '[]'::jsonb)
  || case when e.markup_bps is null then '[]'::jsonb else jsonb_build_array(jsonb_build_object(
       'type', 'markup', 'description', 'Agent markup (' || trim_scale(e.markup_bps::numeric / 100) || '%)',
       'credits', trim_scale(e.markup::numeric / 1000000))) end
  || case when e.rounding = 0 then '[]'::jsonb else jsonb_build_array(jsonb_build_object(
       'type', 'rounding', 'description', 'Rounded to 0.01 credit (half-up)', 'credits', trim_scale(e.rounding::numeric / 1000000))) end
  || coalesce((select jsonb_build_array(jsonb_build_object(
       'type', 'uncaptured', 'description', 'Beyond the hold and the balance on a plan without overage: not charged',
       'credits', -trim_scale(h.uncaptured::numeric / 1000000)))
     from holds h where h.capture_entry_id = e.ledger_entry_id and h.uncaptured > 0), '[]'::jsonb)`;

/** Up to five ids of events `condition` holds for, for the error that stops the migration. */
async function eventsWhere(knex: Knex, condition: string): Promise<string[]> {
  const result = await knex.raw(`select e.id from usage_events e where ${condition} limit 5`);
  return (result.rows as Array<{ id: string }>).map((row) => row.id);
}

async function refuseIfAny(knex: Knex, condition: string, problem: string): Promise<void> {
  const ids = await eventsWhere(knex, condition);
  if (ids.length > 0) throw new Error(`cannot drop usage_events.breakdown: ${problem} (e.g. ${ids.join(', ')})`);
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('usage_events', (t) => {
    t.integer('markup_bps').nullable().comment('agent markup asked, basis points (the breakdown\'s "Agent markup (N%)" line); null = none asked');
  });
  // the stored line reads `Agent markup (${bps / 100}%)` (src/credits/usage-breakdown.ts)
  await knex.raw(`
    update usage_events e
       set markup_bps = round(substring(line->>'description' from '^Agent markup \\(([0-9.]+)%\\)$')::numeric * 100)
      from usage_events s, jsonb_array_elements(s.breakdown) line
     where s.id = e.id and line->>'type' = 'markup'`);
  await refuseIfAny(
    knex,
    `exists (select 1 from jsonb_array_elements(e.breakdown) line where line->>'type' = 'markup') and e.markup_bps is null`,
    'a markup line whose rate could not be read',
  );
  await refuseIfAny(
    knex,
    `(select count(*) from jsonb_array_elements(e.breakdown) line where line->>'type' in ('tool', 'model'))
       <> (select count(*) from usage_items i where i.usage_event_id = e.id)`,
    'events whose usage_items rows do not match their stored lines',
  );
  await refuseIfAny(knex, `e.breakdown <> (${REBUILT_BREAKDOWN_SQL})`, 'events whose stored breakdown differs from its rebuild from the rows');
  await knex.raw('create index holds_by_capture_entry on holds (capture_entry_id) where capture_entry_id is not null');
  await knex.schema.alterTable('usage_events', (t) => t.dropColumn('breakdown'));
}

/**
 * The column comes back nullable. A down migration cannot restore the stored breakdowns as such:
 * it rebuilds each from the rows, which is what every reader answered while the column was gone.
 */
export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('usage_events', (t) => {
    t.jsonb('breakdown').nullable().comment('the priced lines as answered to the client');
  });
  await knex.raw(`update usage_events e set breakdown = ${REBUILT_BREAKDOWN_SQL}`);
  await knex.raw('drop index if exists holds_by_capture_entry');
  await knex.schema.alterTable('usage_events', (t) => t.dropColumn('markup_bps'));
}
