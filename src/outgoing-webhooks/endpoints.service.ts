import type { Knex } from 'knex';
import type { Config } from '../config/config';
import { AppError, NotFoundError, ValidationError } from '../shared/errors';
import { newId } from '../shared/ids';
import { newWebhookSecret } from './compute/signature';
import { assertReceiverUrl, privateReceiversAllowed } from './url-safety';
import { endpointView, type EndpointRow } from './webhook-views';

/** Who asks: an account sees and changes only its own endpoints; the admin any, and global ones. */
export type WebhookOwner = { kind: 'account'; accountId: string } | { kind: 'admin' };

/** How long the secret before a rotation keeps signing, so receivers can switch without a gap. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

export interface EndpointInput {
  url: string;
  events: string[];
  description: string | null;
  /** admin only: whose events; null = every account's */
  accountId: string | null;
}

export async function getEndpoint(db: Knex, owner: WebhookOwner, id: string): Promise<EndpointRow> {
  const row = (await db('webhook_endpoints').where({ id }).first()) as EndpointRow | undefined;
  if (!row || (owner.kind === 'account' && row.account_id !== owner.accountId)) throw new NotFoundError('Webhook endpoint', id);
  return row;
}

export async function createEndpoint(deps: { db: Knex; config: Config }, owner: WebhookOwner, input: EndpointInput) {
  await assertReceiverUrl(input.url, privateReceiversAllowed(deps.config));
  const accountId = owner.kind === 'account' ? owner.accountId : input.accountId;
  if (accountId && !(await deps.db('accounts').where({ id: accountId }).first('id'))) {
    throw new ValidationError(`account_id ${accountId} is not an account`, { field: 'account_id' });
  }
  const secret = newWebhookSecret();
  const [row] = (await deps.db('webhook_endpoints')
    .insert({ id: newId('we'), account_id: accountId, url: input.url, events: input.events, description: input.description, secret })
    .returning('*')) as EndpointRow[];
  return { ...endpointView(row!), secret };
}

export async function listEndpoints(db: Knex, owner: WebhookOwner) {
  const query = db('webhook_endpoints').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
  if (owner.kind === 'account') query.where({ account_id: owner.accountId });
  return { data: ((await query) as EndpointRow[]).map(endpointView) };
}

export async function updateEndpoint(
  deps: { db: Knex; config: Config },
  owner: WebhookOwner,
  id: string,
  patch: { url?: string; events?: string[]; description?: string | null; enabled?: boolean },
) {
  await getEndpoint(deps.db, owner, id);
  if (patch.url !== undefined) await assertReceiverUrl(patch.url, privateReceiversAllowed(deps.config));
  const changes: Record<string, unknown> = { updated_at: deps.db.fn.now() };
  if (patch.url !== undefined) changes.url = patch.url;
  if (patch.events !== undefined) changes.events = patch.events;
  if (patch.description !== undefined) changes.description = patch.description;
  if (patch.enabled !== undefined) Object.assign(changes, { enabled: patch.enabled, disabled_reason: patch.enabled ? null : 'disabled by request' });
  const [row] = (await deps.db('webhook_endpoints').where({ id }).update(changes).returning('*')) as EndpointRow[];
  return endpointView(row!);
}

export async function deleteEndpoint(db: Knex, owner: WebhookOwner, id: string) {
  await getEndpoint(db, owner, id);
  await db('webhook_endpoints').where({ id }).delete(); // its deliveries and their log go with it
  return { id, deleted: true };
}

/** A new secret, shown once; the old one keeps signing for ROTATION_OVERLAP_MS. */
export async function rotateSecret(db: Knex, owner: WebhookOwner, id: string, now = new Date()) {
  const current = await getEndpoint(db, owner, id);
  const secret = newWebhookSecret();
  const previousExpiresAt = new Date(now.getTime() + ROTATION_OVERLAP_MS);
  const updated = await db('webhook_endpoints')
    .where({ id, secret: current.secret }) // a concurrent rotation wins once
    .update({ secret, previous_secret: current.secret, previous_secret_expires_at: previousExpiresAt, updated_at: db.fn.now() });
  if (updated !== 1) throw new AppError(409, 'conflict', 'The secret was rotated concurrently; fetch the endpoint and rotate again if needed');
  return { id, secret, previous_secret_expires_at: previousExpiresAt.toISOString() };
}
