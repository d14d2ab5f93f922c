import type { Knex } from 'knex';
import { findAccount } from '../accounts/accounts.queries';
import { NotFoundError, ValidationError } from '../shared/errors';
import { findBillingProfile, upsertBillingProfile, type BillingProfileRow } from './billing-profile.queries';
import { normalizeTaxId, taxIdProblem } from './tax-id';

export interface BillingProfileInput {
  legalName: string;
  email: string;
  address: { line1: string; line2?: string; city: string; postalCode: string; country: string };
  taxId?: string | null;
}

/** Business when a tax id is on file, consumer otherwise: the one way buyer type is decided. */
export function buyerTypeOf(profile: { tax_id: string | null }): 'business' | 'consumer' {
  return profile.tax_id ? 'business' : 'consumer';
}

export async function putBillingProfile(db: Knex, accountId: string, input: BillingProfileInput): Promise<BillingProfileRow> {
  const taxId = input.taxId ? normalizeTaxId(input.taxId) : null;
  if (taxId) {
    const problem = taxIdProblem(taxId, input.address.country);
    if (problem) throw new ValidationError(`Invalid body field 'tax_id': ${problem}`, { field: 'tax_id' });
  }
  if (!(await findAccount(db, accountId))) throw new NotFoundError('Account', accountId);
  return upsertBillingProfile(db, accountId, {
    legal_name: input.legalName,
    email: input.email,
    address_line1: input.address.line1,
    address_line2: input.address.line2 ?? null,
    city: input.address.city,
    postal_code: input.address.postalCode,
    country: input.address.country,
    tax_id: taxId,
  });
}

export async function getBillingProfile(db: Knex, accountId: string): Promise<BillingProfileRow> {
  const profile = await findBillingProfile(db, accountId);
  if (!profile) throw new NotFoundError('Billing profile');
  return profile;
}

export function billingProfileView(row: BillingProfileRow) {
  return {
    account_id: row.account_id,
    legal_name: row.legal_name,
    email: row.email,
    address: { line1: row.address_line1, line2: row.address_line2, city: row.city, postal_code: row.postal_code, country: row.country },
    tax_id: row.tax_id,
    buyer_type: buyerTypeOf(row),
    updated_at: row.updated_at.toISOString(),
  };
}
