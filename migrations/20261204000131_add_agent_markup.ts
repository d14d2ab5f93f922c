import type { Knex } from 'knex';

/**
 * The agent markup (seed 002: "sum of all model calls + sum of all tool calls + 20% markup"),
 * configurable per plan and overridable per account instead of one fixed 20%. Basis points, so
 * the pricing rule stays integer arithmetic.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('plans', (t) => {
    t.integer('agent_markup_bps').notNullable().defaultTo(2000).comment('markup on agent runs, basis points of the subtotal (2000 = 20%)');
  });
  await knex.schema.alterTable('accounts', (t) => {
    t.integer('agent_markup_bps').nullable().comment('this account’s agent markup in basis points; null = its plan’s');
  });
  await knex.raw(`alter table plans add constraint plans_agent_markup check (agent_markup_bps between 0 and 100000)`);
  await knex.raw(`alter table accounts add constraint accounts_agent_markup check (agent_markup_bps between 0 and 100000)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('accounts', (t) => t.dropColumn('agent_markup_bps'));
  await knex.schema.alterTable('plans', (t) => t.dropColumn('agent_markup_bps'));
}
