import { handleAccountUpdated } from '../../payouts/connect.service';
import type { WebhookHandler } from '../webhook-context';

/** account.updated (Stripe Connect): whether a publisher's connected account can take transfers. */
export const handleConnectAccountUpdated: WebhookHandler = async (event, ctx) => {
  const result = await handleAccountUpdated(ctx.db, event as Parameters<typeof handleAccountUpdated>[1]);
  if (!result) return 'ignored: not a publisher account';
  return `${result.applied ? 'applied' : 'stale'}: ${result.publisherId} transfers ${result.transfersEnabled ? 'enabled' : 'disabled'}`;
};
