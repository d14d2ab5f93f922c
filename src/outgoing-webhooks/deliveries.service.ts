import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from '../shared/errors';
import { getEndpoint, type WebhookOwner } from './endpoints.service';
import { deliveryView, type DeliveryRow } from './webhook-views';

export type DeliveryStatus = DeliveryRow['status'];

const deliveryColumns = ['d.id', 'd.event_id', 'd.endpoint_id', 'e.type', 'd.status', 'd.attempts', 'd.last_status_code', 'd.last_error', 'd.next_attempt_at', 'd.delivered_at', 'd.created_at'];

function deliveriesOf(db: Knex, owner: WebhookOwner) {
  const query = db('webhook_deliveries as d').join('events as e', 'e.id', 'd.event_id').select(deliveryColumns);
  if (owner.kind === 'account') query.join('webhook_endpoints as w', 'w.id', 'd.endpoint_id').where('w.account_id', owner.accountId);
  return query;
}

/** The delivery log, newest first: one endpoint's, or (no endpoint) every endpoint the caller owns. */
export async function listDeliveries(
  db: Knex,
  owner: WebhookOwner,
  filter: { endpointId: string | null; status: DeliveryStatus | null; limit: number; offset: number },
) {
  if (filter.endpointId) await getEndpoint(db, owner, filter.endpointId);
  const query = deliveriesOf(db, owner);
  if (filter.endpointId) query.where('d.endpoint_id', filter.endpointId);
  if (filter.status) query.where('d.status', filter.status);
  const rows = (await query.orderBy([{ column: 'd.created_at', order: 'desc' }, { column: 'd.id', order: 'desc' }]).limit(filter.limit).offset(filter.offset)) as DeliveryRow[];
  return { data: rows.map(deliveryView) };
}

export async function getDelivery(db: Knex, owner: WebhookOwner, id: string): Promise<DeliveryRow> {
  const row = (await deliveriesOf(db, owner).where('d.id', id).first()) as DeliveryRow | undefined;
  if (!row) throw new NotFoundError('Webhook delivery', id);
  return row;
}

/**
 * Sends a finished delivery again, with the same webhook-id (the event's id), as soon as the
 * delivery loop gets to it; its attempts keep counting. One still pending is already on its way.
 */
export async function redeliver(db: Knex, owner: WebhookOwner, id: string) {
  const delivery = await getDelivery(db, owner, id);
  const endpoint = await db('webhook_endpoints').where({ id: delivery.endpoint_id }).first('enabled');
  if (!endpoint?.enabled) throw new ConflictError('The endpoint is disabled: enable it (PATCH enabled: true) before redelivering', { endpoint_id: delivery.endpoint_id });
  const updated = await db('webhook_deliveries')
    .where({ id })
    .whereNot({ status: 'pending' })
    .update({ status: 'pending', next_attempt_at: db.fn.now(), updated_at: db.fn.now() });
  if (updated !== 1) throw new ConflictError('This delivery is still pending: it will be attempted again without a request', { id });
  return deliveryView(await getDelivery(db, owner, id));
}
