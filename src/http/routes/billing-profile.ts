import { z } from 'zod';
import { billingProfileView, getBillingProfile, putBillingProfile } from '../../billing-profile/billing-profile.service';
import { isCountryCode } from '../../invoices/compute/countries';
import type { Principal } from '../auth';
import { defineRoute } from '../route';
import { emailAddress, shortText } from '../schemas/common';

export const countryCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code, e.g. DE')
  .transform((code) => code.toUpperCase())
  .refine(isCountryCode, 'is not an assigned ISO 3166-1 alpha-2 country code');

export const profileBody = z.strictObject({
  legal_name: shortText(),
  email: emailAddress,
  address: z.strictObject({
    line1: shortText(),
    line2: shortText().optional(),
    city: shortText(100),
    postal_code: shortText(20),
    country: countryCode,
  }),
  tax_id: z
    .string()
    .trim()
    .max(40)
    .nullable()
    .optional()
    .meta({ description: 'VAT/GST id; present = business buyer (EU ids must start with the country prefix, EL for Greece). Spaces, dots and dashes are ignored.' }),
});

export const profileView = z.object({
  account_id: z.string(),
  legal_name: z.string(),
  email: z.string(),
  address: z.object({ line1: z.string(), line2: z.string().nullable(), city: z.string(), postal_code: z.string(), country: z.string() }),
  tax_id: z.string().nullable(),
  buyer_type: z.enum(['business', 'consumer']).meta({ description: 'business when a tax_id is on file, else consumer' }),
  updated_at: z.string(),
});

function accountOf(principal: Principal): string {
  if (principal.role !== 'account') throw new Error('account route reached without an account key');
  return principal.accountId;
}

export const billingProfileRoutes = [
  defineRoute({
    method: 'put',
    path: '/v1/billing/profile',
    summary: 'Set the billing profile used for invoices and their tax snapshots',
    tag: 'Invoices',
    access: 'account',
    body: profileBody,
    response: { status: 200, description: 'the stored profile (applies to invoices finalized from now on)', schema: profileView },
    handler: async ({ body, principal, deps }) => {
      const row = await putBillingProfile(deps.db, accountOf(principal), {
        legalName: body.legal_name,
        email: body.email,
        address: { line1: body.address.line1, line2: body.address.line2, city: body.address.city, postalCode: body.address.postal_code, country: body.address.country },
        taxId: body.tax_id || null,
      });
      return { status: 200, body: billingProfileView(row) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/billing/profile',
    summary: 'The billing profile of the calling account',
    tag: 'Invoices',
    access: 'account',
    errors: [404],
    response: { status: 200, description: 'the profile', schema: profileView },
    handler: async ({ principal, deps }) => ({ status: 200, body: billingProfileView(await getBillingProfile(deps.db, accountOf(principal))) }),
  }),
];
