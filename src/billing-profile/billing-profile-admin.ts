import type { Knex } from 'knex';
import { findAccount } from '../accounts/accounts.queries';
import { NotFoundError } from '../shared/errors';
import { getBillingProfile } from './billing-profile.service';

/**
 * Seed 003: "billing profiles … available for customer and admin workspaces". The admin reads
 * and sets any account's profile with the account's own rules (putBillingProfile); an unknown
 * account and an account without a profile are told apart.
 */
export async function getBillingProfileAsAdmin(db: Knex, accountId: string) {
  if (!(await findAccount(db, accountId))) throw new NotFoundError('Account', accountId);
  return getBillingProfile(db, accountId);
}
