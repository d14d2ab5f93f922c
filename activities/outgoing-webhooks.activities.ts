import { Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { Config } from '../src/config/config';
import { runDeliverySession, type DeliverySession } from '../src/outgoing-webhooks/delivery-loop';
import { privateReceiversAllowed } from '../src/outgoing-webhooks/url-safety';

/**
 * The delivery loop's work, as one long activity per session: it heartbeats every round, so a
 * worker that dies is noticed within the heartbeat timeout and the session starts again on
 * another worker (what the dead one had in flight comes back when its lease ends).
 */
export function createOutgoingWebhookActivities(deps: { config: Config; db: Knex }) {
  return {
    deliverWebhooks(input: { seconds: number }): Promise<DeliverySession> {
      const context = Context.current();
      return runDeliverySession(deps.db, {
        seconds: input.seconds,
        allowPrivate: privateReceiversAllowed(deps.config),
        heartbeat: () => context.heartbeat(),
        signal: context.cancellationSignal,
      });
    },
  };
}
