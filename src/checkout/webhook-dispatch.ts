import type { WebhookContext } from './webhook-context';
import { stripeEventSchema } from './webhook-events';
import { webhookHandlers } from './webhook-handlers';
import { listUnprocessedInbox, markInboxProcessed, recordInboxFailure, type InboxRow } from './webhook-inbox.queries';

/**
 * Runs the handler of one inbox event and marks it processed with the outcome. A handler that
 * throws leaves the event unprocessed (the error is kept) for the inbox drain to retry.
 */
export async function dispatchInboxEvent(ctx: WebhookContext, row: Pick<InboxRow, 'id' | 'type' | 'payload'>): Promise<string> {
  const payload = typeof row.payload === 'string' ? (JSON.parse(row.payload) as unknown) : row.payload;
  const parsed = stripeEventSchema.safeParse(payload);
  const handler = Object.hasOwn(webhookHandlers, row.type) ? webhookHandlers[row.type] : undefined;
  try {
    const outcome = !parsed.success ? 'invalid_payload' : handler ? await handler(parsed.data, ctx) : 'ignored:unhandled_type';
    await markInboxProcessed(ctx.db, row.id, outcome);
    return outcome;
  } catch (error) {
    await recordInboxFailure(ctx.db, row.id, error instanceof Error ? error.message : String(error));
    throw error;
  }
}

/** Re-dispatches events that were received at least `olderThanMs` ago and never processed. */
export async function drainInbox(ctx: WebhookContext, options: { olderThanMs: number; limit: number }): Promise<{ redispatched: number; failed: number }> {
  const rows = await listUnprocessedInbox(ctx.db, new Date(Date.now() - options.olderThanMs), options.limit);
  let redispatched = 0;
  let failed = 0;
  for (const row of rows) {
    try {
      await dispatchInboxEvent(ctx, row);
      redispatched += 1;
    } catch {
      failed += 1;
    }
  }
  return { redispatched, failed };
}
