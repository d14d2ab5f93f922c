import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Config } from '../config/config';
import { isUniqueViolation } from '../db/transaction';
import { ConflictError, NotFoundError } from '../shared/errors';
import { findPublisher, type PublisherRow } from './payouts.queries';
import { publisherShareCache } from './publisher-share-cache';
import { shareDecimal, shareUnits } from './compute/accrual-split';

/**
 * Stripe Connect onboarding of a publisher (Express accounts). The account is created once: the
 * idempotency key `connect-account:<publisher>` makes a retried or concurrent request get the same
 * account from Stripe, and the guarded update keeps the first one stored.
 */
function defaultUrl(config: Config, path: string): string {
  return `${config.PUBLIC_URL ?? `http://localhost:${config.PORT}`}${path}`;
}

export async function connectPublisher(
  deps: { db: Knex; stripe: Stripe; config: Config },
  publisherId: string,
  urls: { returnUrl?: string; refreshUrl?: string },
): Promise<{ account_id: string; onboarding_url: string; transfers_enabled: boolean; created: boolean }> {
  const publisher = await findPublisher(deps.db, publisherId);
  if (!publisher) throw new NotFoundError('Publisher', publisherId);
  let accountId = publisher.stripe_account_id;
  let created = false;
  if (!accountId) {
    const account = await deps.stripe.accounts.create(
      {
        type: 'express',
        capabilities: { transfers: { requested: true } },
        business_profile: { name: publisher.name },
        metadata: { publisher_id: publisher.id },
      },
      { idempotencyKey: `connect-account:${publisher.id}` },
    );
    try {
      const updated = await deps.db('publishers')
        .where({ id: publisher.id })
        .whereNull('stripe_account_id')
        .update({ stripe_account_id: account.id, transfers_enabled: account.capabilities?.transfers === 'active' });
      created = updated > 0;
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`Stripe account ${account.id} already belongs to another publisher`, { field: 'stripe_account_id' });
      throw error;
    }
    accountId = created ? account.id : (await findPublisher(deps.db, publisher.id))!.stripe_account_id!;
  }
  // Account Links expire within minutes: a new one every call (POST again when it has expired).
  const link = await deps.stripe.accountLinks.create({
    account: accountId,
    type: 'account_onboarding',
    return_url: urls.returnUrl ?? deps.config.CONNECT_RETURN_URL ?? defaultUrl(deps.config, '/docs'),
    refresh_url: urls.refreshUrl ?? deps.config.CONNECT_REFRESH_URL ?? defaultUrl(deps.config, '/docs'),
  });
  const current = (await findPublisher(deps.db, publisher.id))!;
  return { account_id: accountId, onboarding_url: link.url, transfers_enabled: current.transfers_enabled, created };
}

/**
 * `account.updated` webhook (the lead wires it into the Stripe webhook dispatcher): records whether
 * the connected account can receive transfers. Events arrive out of order; an event older than
 * the last one applied changes nothing. Returns null for an account no publisher owns.
 */
export async function handleAccountUpdated(
  db: Knex,
  event: Pick<Stripe.Event, 'id' | 'type' | 'created'> & { data: { object: unknown } },
): Promise<{ publisherId: string; transfersEnabled: boolean; applied: boolean } | null> {
  if (event.type !== 'account.updated') return null;
  const account = event.data.object as Stripe.Account;
  const transfersEnabled = account.capabilities?.transfers !== undefined ? account.capabilities.transfers === 'active' : Boolean(account.payouts_enabled);
  const at = new Date(event.created * 1000);
  const publisher: PublisherRow | undefined = await db('publishers').where({ stripe_account_id: account.id }).first();
  if (!publisher) return null;
  const updated = await db('publishers')
    .where({ id: publisher.id, stripe_account_id: account.id })
    .where((q) => q.whereNull('connect_synced_at').orWhere('connect_synced_at', '<=', at))
    .update({ transfers_enabled: transfersEnabled, connect_synced_at: at });
  return { publisherId: publisher.id, transfersEnabled: updated > 0 ? transfersEnabled : publisher.transfers_enabled, applied: updated > 0 };
}

export function publisherView(row: PublisherRow) {
  return {
    id: row.id,
    name: row.name,
    stripe_account_id: row.stripe_account_id,
    revenue_share: Number(shareDecimal(shareUnits(row.revenue_share))),
    transfers_enabled: row.transfers_enabled,
  };
}

/** PUT /v1/admin/publishers/:id: attach/detach a connected account, set the share or the transfers flag. */
export async function updatePublisherSettings(
  db: Knex,
  publisherId: string,
  input: { stripeAccountId?: string | null; revenueShare?: bigint; transfersEnabled?: boolean },
): Promise<ReturnType<typeof publisherView>> {
  const current = await findPublisher(db, publisherId);
  if (!current) throw new NotFoundError('Publisher', publisherId);
  const changes: Record<string, unknown> = {};
  if (input.stripeAccountId !== undefined && input.stripeAccountId !== current.stripe_account_id) {
    changes.stripe_account_id = input.stripeAccountId;
    // A newly attached account is unknown until its account.updated event or the admin says so.
    if (input.transfersEnabled === undefined) changes.transfers_enabled = false;
    changes.connect_synced_at = null;
  }
  if (input.revenueShare !== undefined) changes.revenue_share = shareDecimal(input.revenueShare);
  if (input.transfersEnabled !== undefined) changes.transfers_enabled = input.transfersEnabled;
  try {
    const [row] = Object.keys(changes).length
      ? await db('publishers').where({ id: publisherId }).update(changes).returning('*')
      : await db('publishers').where({ id: publisherId }).select('*');
    if (!row) throw new NotFoundError('Publisher', publisherId);
    if (input.revenueShare !== undefined) publisherShareCache(db).invalidate();
    return publisherView(row as PublisherRow);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('That stripe_account_id already belongs to another publisher', { field: 'stripe_account_id' });
    throw error;
  }
}
