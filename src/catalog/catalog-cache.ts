import type { Knex } from 'knex';
import type { ModelRates } from '../pricing/compute/price-usage';
import { listModels, listTools, type ModelRow, type ToolRow } from './catalog.queries';

/**
 * Tools and models as the debit hot path needs them, kept in memory. A snapshot is trusted for
 * a few seconds; a name it does not know forces one reload (at most once a second), so a tool
 * PUT by another process is usable at once.
 */
export interface CatalogSnapshot {
  tools: Map<string, { id: string; publisherId: string | null; creditsPerExecution: bigint }>;
  models: Map<string, ModelRates>;
}

const FRESH_MS = 5000;
const MIN_RELOAD_GAP_MS = 1000;

const nullableBig = (value: string | null) => (value === null ? null : BigInt(value));

export function modelRates(row: ModelRow): ModelRates {
  return {
    name: row.name,
    provider: row.provider,
    input: nullableBig(row.credit_input_per_1m),
    output: nullableBig(row.credit_output_per_1m),
    cacheWrite: nullableBig(row.credit_cache_write_per_1m),
    cacheRead: nullableBig(row.credit_cache_read_per_1m),
    providerCostInput: nullableBig(row.provider_cost_input_per_1m),
    providerCostOutput: nullableBig(row.provider_cost_output_per_1m),
    // per minute / per image and the cache-token costs (issue 15)
    perMinute: nullableBig(row.credit_per_minute ?? null),
    perImage: nullableBig(row.credit_per_image ?? null),
    providerCostCacheWrite: nullableBig(row.provider_cost_cache_write_per_1m ?? null),
    providerCostCacheRead: nullableBig(row.provider_cost_cache_read_per_1m ?? null),
    providerCostPerMinute: nullableBig(row.provider_cost_per_minute ?? null),
    providerCostPerImage: nullableBig(row.provider_cost_per_image ?? null),
  };
}

function toolEntry(row: ToolRow) {
  return { id: row.id, publisherId: row.publisher_id, creditsPerExecution: BigInt(row.credits_per_execution) };
}

export class CatalogCache {
  private snapshot: CatalogSnapshot | null = null;
  private loadedAt = 0;
  private loading: Promise<CatalogSnapshot> | null = null;

  constructor(private readonly db: Knex) {}

  private load(): Promise<CatalogSnapshot> {
    this.loading ??= (async () => {
      try {
        const [tools, models] = await Promise.all([listTools(this.db), listModels(this.db)]);
        const modelMap = new Map<string, ModelRates>();
        for (const row of models) {
          const rates = modelRates(row);
          for (const alias of row.aliases) modelMap.set(alias, rates);
        }
        for (const row of models) modelMap.set(row.name, modelRates(row)); // names win over aliases
        this.snapshot = { tools: new Map(tools.map((row) => [row.id, toolEntry(row)])), models: modelMap };
        this.loadedAt = Date.now();
        return this.snapshot;
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  async get(): Promise<CatalogSnapshot> {
    if (this.snapshot && Date.now() - this.loadedAt < FRESH_MS) return this.snapshot;
    return this.load();
  }

  /** The snapshot, reloaded first if it lacks one of these names and may be out of date. */
  async getKnowing(toolIds: string[], modelNames: string[]): Promise<CatalogSnapshot> {
    const snapshot = await this.get();
    const missing = toolIds.some((id) => !snapshot.tools.has(id)) || modelNames.some((name) => !snapshot.models.has(name));
    if (missing && Date.now() - this.loadedAt >= MIN_RELOAD_GAP_MS) return this.load();
    return snapshot;
  }

  invalidate(): void {
    this.loadedAt = 0;
  }
}

const caches = new WeakMap<Knex, CatalogCache>();

/** One cache per database handle (per process). */
export function catalogCache(db: Knex): CatalogCache {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new CatalogCache(db)));
  return cache;
}
