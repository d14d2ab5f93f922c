import type { Knex } from 'knex';
import { shareUnits } from './compute/accrual-split';

/**
 * Publisher revenue shares as the debit hot path needs them, in memory (like the catalog cache):
 * a snapshot of all shares is trusted for a few seconds. A share changed by
 * PUT /v1/admin/publishers/:id applies at once in that process and within FRESH_MS in the others.
 */
const FRESH_MS = 5000;

export class PublisherShareCache {
  private shares = new Map<string, bigint>();
  private loadedAt = 0;
  private loading: Promise<Map<string, bigint>> | null = null;

  constructor(private readonly db: Knex) {}

  private load(): Promise<Map<string, bigint>> {
    this.loading ??= (async () => {
      try {
        const rows: Array<{ id: string; revenue_share: string }> = await this.db('publishers').select('id', 'revenue_share');
        this.shares = new Map(rows.map((row) => [row.id, shareUnits(row.revenue_share)]));
        this.loadedAt = Date.now();
        return this.shares;
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /**
   * Shares (10^-5 units) of these publishers. One the snapshot lacks (created since) is read
   * directly, so a new publisher's first debit accrues too; only a publisher that does not exist
   * is absent.
   */
  async getKnowing(publisherIds: string[]): Promise<Map<string, bigint>> {
    const shares = Date.now() - this.loadedAt >= FRESH_MS ? await this.load() : this.shares;
    const missing = publisherIds.filter((id) => !shares.has(id));
    if (missing.length > 0) {
      const rows: Array<{ id: string; revenue_share: string }> = await this.db('publishers').whereIn('id', missing).select('id', 'revenue_share');
      for (const row of rows) shares.set(row.id, shareUnits(row.revenue_share));
    }
    return shares;
  }

  invalidate(): void {
    this.loadedAt = 0;
  }
}

const caches = new WeakMap<Knex, PublisherShareCache>();

export function publisherShareCache(db: Knex): PublisherShareCache {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new PublisherShareCache(db)));
  return cache;
}
