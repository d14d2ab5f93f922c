import type { Knex } from 'knex';

/**
 * Who changed what through the admin API. A row is written before the admin write runs (so a
 * write the process did not live to answer still leaves its trace) and completed with the status
 * it answered. Rows are never updated after that and never deleted by the application.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary().comment('insertion order; the list is newest first by this');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('when the write began');
    t.text('actor_key_id').notNullable().comment('the admin key that acted: key_… or key_bootstrap for ADMIN_API_KEY');
    t.text('action').notNullable().comment('method and route pattern, e.g. POST /v1/admin/accounts/:id/api-keys');
    t.text('target').nullable().comment('the object written: the path id, else the id the answer named; null when neither');
    t.text('request_id').notNullable().comment('X-Request-Id of the request, to find it in the logs');
    t.integer('status').nullable().comment('HTTP status answered; null while running or when the process stopped before answering');
    t.timestamp('completed_at', { useTz: true }).nullable().comment('when the answer was recorded');
    t.index(['actor_key_id', 'id']);
    t.index(['action', 'id']);
    t.index(['at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
}
