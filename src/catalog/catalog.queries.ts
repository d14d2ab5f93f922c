import type { Db } from '../db/knex';

export interface ToolRow {
  id: string;
  publisher_id: string | null;
  credits_per_execution: string;
  description: string | null;
  /** added by the demo catalog with a demo price */
  demo: boolean;
  /** the range its publisher may price it in, micro-credits; null = seed 000's 1 and 10 credits */
  min_credits_per_execution: string | null;
  max_credits_per_execution: string | null;
  updated_at: Date;
}

export interface ModelRow {
  name: string;
  provider: string;
  aliases: string[];
  credit_input_per_1m: string | null;
  credit_output_per_1m: string | null;
  credit_cache_write_per_1m: string | null;
  credit_cache_read_per_1m: string | null;
  provider_cost_input_per_1m: string | null;
  provider_cost_output_per_1m: string | null;
  /** per-unit rates and the other provider costs (issue 15); optional in writes, which then keep them */
  credit_per_minute?: string | null;
  credit_per_image?: string | null;
  provider_cost_cache_write_per_1m?: string | null;
  provider_cost_cache_read_per_1m?: string | null;
  provider_cost_per_minute?: string | null;
  provider_cost_per_image?: string | null;
  /** added by the demo catalog with demo rates */
  demo: boolean;
  updated_at: Date;
}

export interface PackageRow {
  id: string;
  credits: string;
  price_minor: string;
  currency: string;
  active: boolean;
}

export interface PlanRow {
  id: string;
  name: string;
  monthly_price_minor: string;
  currency: string;
  included_credits_micro: string;
  included_tokens: string;
  overage_allowed: boolean;
  overage_price_minor_per_credit: string;
  /** token overage price per 1,000,000 tokens (issue 15); optional in writes, which then keep it (default 0) */
  overage_price_minor_per_million_tokens?: string;
  agent_limit: number | null;
  rollover_fraction: string;
  features: string[];
  /** agent markup in basis points (issue 15); optional in writes, which then keep it (default 2000) */
  agent_markup_bps?: number;
}

export const listTools = (db: Db): Promise<ToolRow[]> => db<ToolRow>('tools').select('*');
export const listModels = (db: Db): Promise<ModelRow[]> => db<ModelRow>('models').select('*').orderBy('name');
export const listPackages = (db: Db): Promise<PackageRow[]> => db<PackageRow>('packages').where({ active: true }).orderBy('price_minor');
export const listPlans = (db: Db): Promise<PlanRow[]> => db<PlanRow>('plans').select('*').orderBy('monthly_price_minor');
export const findPlan = async (db: Db, id: string): Promise<PlanRow | null> => (await db<PlanRow>('plans').where({ id }).first()) ?? null;
export const findTool = async (db: Db, id: string): Promise<ToolRow | null> => (await db<ToolRow>('tools').where({ id }).first()) ?? null;
export const listToolsById = (db: Db): Promise<ToolRow[]> => db<ToolRow>('tools').select('*').orderBy('id');
export const findPackage = async (db: Db, id: string): Promise<PackageRow | null> =>
  (await db<PackageRow>('packages').where({ id, active: true }).first()) ?? null;

type ToolBounds = 'min_credits_per_execution' | 'max_credits_per_execution';

/** An admin's tool: its price is real from now on (demo false); bounds change only when given. */
export async function upsertTool(db: Db, row: Omit<ToolRow, 'updated_at' | 'demo' | ToolBounds> & Partial<Pick<ToolRow, ToolBounds>>): Promise<ToolRow> {
  const [saved] = await db<ToolRow>('tools').insert({ ...row, demo: false, updated_at: new Date() }).onConflict('id').merge().returning('*');
  return saved!;
}

export async function upsertModel(db: Db, row: Omit<ModelRow, 'updated_at' | 'demo'>): Promise<ModelRow> {
  const [saved] = await db<ModelRow>('models').insert({ ...row, demo: false, updated_at: new Date() }).onConflict('name').merge().returning('*');
  return saved!;
}

export async function upsertPlan(db: Db, row: Omit<PlanRow, 'features'> & { features: string }): Promise<PlanRow> {
  const [saved] = await db<PlanRow>('plans').insert({ ...row, updated_at: new Date() } as never).onConflict('id').merge().returning('*');
  return saved!;
}

export async function upsertPackage(db: Db, row: PackageRow): Promise<PackageRow> {
  const [saved] = await db<PackageRow>('packages').insert({ ...row, updated_at: new Date() } as never).onConflict('id').merge().returning('*');
  return saved!;
}
