import type { Knex } from 'knex';

/**
 * Token overage billed like credit overage (issue 15): reported to Stripe on its own meter, hourly
 * and at the close, and on the period invoice.
 *
 * - overage_reports.unit: which meter a report went to. Existing rows are credits; their
 *   identifiers (overage:…) stay as they were, token reports use token-overage:….
 * - periods.token_overage / token_overage_reported: the period's tokens beyond the grants and
 *   what Stripe got of them, next to the credit figures.
 * - plans.overage_price_minor_per_million_tokens: what token overage costs (minor units per
 *   1,000,000 tokens); Pro and Enterprise start at $2 per million tokens.
 * - stripe_plan_prices.kind: a third price per paid plan, token_overage, metered on the token meter.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table overage_reports add column unit text not null default 'credits'`);
  await knex.raw(`alter table overage_reports add constraint overage_reports_unit check (unit in ('credits', 'tokens'))`);
  await knex.raw(`comment on column overage_reports.unit is 'credits (quantity in micro-credits, STRIPE_METER_EVENT_NAME) | tokens (quantity in tokens, STRIPE_TOKEN_METER_EVENT_NAME)'`);

  await knex.raw('alter table periods add column token_overage bigint not null default 0, add column token_overage_reported bigint not null default 0');
  await knex.raw(`comment on column periods.token_overage is 'tokens of usage beyond the grants'`);
  await knex.raw(`comment on column periods.token_overage_reported is 'tokens of overage reported to the Stripe token meter'`);

  await knex.raw('alter table plans add column overage_price_minor_per_million_tokens bigint not null default 0');
  await knex.raw(`alter table plans add constraint plans_token_overage_price check (overage_price_minor_per_million_tokens >= 0)`);
  await knex.raw(`comment on column plans.overage_price_minor_per_million_tokens is 'token overage price in minor units per 1,000,000 tokens (plans that allow overage)'`);
  await knex('plans').whereIn('id', ['pro', 'enterprise']).update({ overage_price_minor_per_million_tokens: 200 });

  await knex.raw('alter table stripe_plan_prices drop constraint stripe_plan_prices_kind');
  await knex.raw(`alter table stripe_plan_prices add constraint stripe_plan_prices_kind check (kind in ('fee', 'overage', 'token_overage'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex('stripe_plan_prices').where({ kind: 'token_overage' }).delete();
  await knex.raw('alter table stripe_plan_prices drop constraint stripe_plan_prices_kind');
  await knex.raw(`alter table stripe_plan_prices add constraint stripe_plan_prices_kind check (kind in ('fee', 'overage'))`);
  await knex.raw('alter table plans drop column if exists overage_price_minor_per_million_tokens');
  await knex.raw('alter table periods drop column if exists token_overage, drop column if exists token_overage_reported');
  await knex.raw('alter table overage_reports drop column if exists unit');
}
