import type { Knex } from 'knex';
import { microToCredits } from '../shared/amounts';
import { NotFoundError, ValidationError } from '../shared/errors';
import { catalogCache } from './catalog-cache';
import { findTool, type ToolRow } from './catalog.queries';
import { checkPublisherPrice } from './compute/tool-price-bounds';

/**
 * PUT /v1/publisher/tools/:id (seed 000: publishers set their tools' prices): a publisher prices
 * its own tool within the bounds an admin set (default 1 to 10 credits). Another publisher's tool
 * or a platform tool is a 404, as if it did not exist.
 */
export async function setPublisherToolPrice(db: Knex, publisherId: string, toolId: string, change: { price: bigint; description?: string }): Promise<ToolRow> {
  const tool = await findTool(db, toolId);
  if (!tool || tool.publisher_id !== publisherId) throw new NotFoundError('Tool', toolId);
  const check = checkPublisherPrice(change.price, {
    min: tool.min_credits_per_execution === null ? null : BigInt(tool.min_credits_per_execution),
    max: tool.max_credits_per_execution === null ? null : BigInt(tool.max_credits_per_execution),
  });
  if (check.kind === 'below_min') {
    throw new ValidationError(`credits_per_execution must be at least ${microToCredits(check.min)} for this tool`, { field: 'credits_per_execution', minimum: microToCredits(check.min) });
  }
  if (check.kind === 'above_max') {
    throw new ValidationError(`credits_per_execution must be at most ${microToCredits(check.max)} for this tool`, { field: 'credits_per_execution', maximum: microToCredits(check.max) });
  }
  const [saved] = await db<ToolRow>('tools')
    .where({ id: toolId, publisher_id: publisherId })
    .update({ credits_per_execution: change.price.toString(), demo: false, updated_at: new Date(), ...(change.description === undefined ? {} : { description: change.description }) })
    .returning('*');
  if (!saved) throw new NotFoundError('Tool', toolId); // reassigned meanwhile
  catalogCache(db).invalidate();
  return saved;
}
