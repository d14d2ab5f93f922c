import type { Knex } from 'knex';
import { MICRO } from '../shared/amounts';
import { catalogCache } from './catalog-cache';

/**
 * The demo catalog of a fresh `npm start` (SEED_DEMO_CATALOG): a few well-known models and the
 * tools the product documents name, so the README's examples work as written without first
 * registering a catalog. Rates are demo prices (marked `demo: true` in every view): credits at
 * the default $0.01 that match the providers' public list prices per 1M tokens at the time of
 * writing. Rows are only added when missing, so a price an operator set is never overwritten,
 * and an admin PUT of a demo row makes it a real one.
 */
const credits = (value: number) => BigInt(Math.round(value * 1_000_000)); // literals below, at most 6 decimals
const usd = credits;

interface DemoModel {
  name: string;
  provider: string;
  aliases: string[];
  /** credits per 1M tokens: input, output, cache write, cache read */
  rates: [number, number, number | null, number | null];
  /** USD per 1M tokens the provider charges: input, output */
  cost: [number, number];
}

export const DEMO_MODELS: DemoModel[] = [
  { name: 'claude-sonnet', provider: 'anthropic', aliases: [], rates: [300, 1500, 375, 30], cost: [3, 15] },
  { name: 'claude-haiku', provider: 'anthropic', aliases: [], rates: [100, 500, 125, 10], cost: [1, 5] },
  { name: 'gpt-4o', provider: 'openai', aliases: [], rates: [250, 1000, null, 125], cost: [2.5, 10] },
  { name: 'gpt-4o-mini', provider: 'openai', aliases: [], rates: [15, 60, null, 7.5], cost: [0.15, 0.6] },
];

export const DEMO_TOOLS = [
  { id: 'stripe.customers.create', credits: 2, description: 'Create a Stripe customer (demo price)' },
  { id: 'openai.chat.completions', credits: 5, description: 'One OpenAI chat completion call (demo price)' },
  { id: 'web.search', credits: 1, description: 'One web search (demo price)' },
];

const nullable = (value: number | null) => (value === null ? null : credits(value).toString());

/** Adds what is missing of the demo catalog; returns how many rows it added. */
export async function seedDemoCatalog(db: Knex): Promise<number> {
  const models = DEMO_MODELS.map((model) => ({
    name: model.name,
    provider: model.provider,
    aliases: model.aliases,
    credit_input_per_1m: credits(model.rates[0]).toString(),
    credit_output_per_1m: credits(model.rates[1]).toString(),
    credit_cache_write_per_1m: nullable(model.rates[2]),
    credit_cache_read_per_1m: nullable(model.rates[3]),
    provider_cost_input_per_1m: usd(model.cost[0]).toString(),
    provider_cost_output_per_1m: usd(model.cost[1]).toString(),
    demo: true,
  }));
  const tools = DEMO_TOOLS.map((tool) => ({
    id: tool.id,
    publisher_id: null,
    credits_per_execution: (BigInt(tool.credits) * MICRO).toString(),
    description: tool.description,
    demo: true,
  }));
  const addedModels = await db('models').insert(models).onConflict('name').ignore().returning('name');
  const addedTools = await db('tools').insert(tools).onConflict('id').ignore().returning('id');
  const added = addedModels.length + addedTools.length;
  if (added > 0) catalogCache(db).invalidate();
  return added;
}
