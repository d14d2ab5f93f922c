import { z } from 'zod';
import { getBillingProfileAsAdmin } from '../../billing-profile/billing-profile-admin';
import { billingProfileView, putBillingProfile } from '../../billing-profile/billing-profile.service';
import { defineRoute } from '../route';
import { idParam } from '../schemas/common';
import { profileBody, profileView } from './billing-profile';

/** Finance ops manage an account's billing profile (seed 003): same body and rules as the account's own PUT. */
const accountParams = z.object({ id: idParam('acct') });

export const billingProfileAdminRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/admin/accounts/:id/billing-profile',
    summary: 'An account’s billing profile',
    tag: 'Invoices',
    access: 'admin',
    params: accountParams,
    response: { status: 200, description: 'the profile', schema: profileView },
    handler: async ({ params, deps }) => ({ status: 200, body: billingProfileView(await getBillingProfileAsAdmin(deps.db, params.id)) }),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/admin/accounts/:id/billing-profile',
    summary: 'Set an account’s billing profile (used for its invoices and their tax snapshots from now on)',
    tag: 'Invoices',
    access: 'admin',
    params: accountParams,
    body: profileBody,
    response: { status: 200, description: 'the stored profile', schema: profileView },
    handler: async ({ params, body, deps }) => {
      const row = await putBillingProfile(deps.db, params.id, {
        legalName: body.legal_name,
        email: body.email,
        address: { line1: body.address.line1, line2: body.address.line2, city: body.address.city, postalCode: body.address.postal_code, country: body.address.country },
        taxId: body.tax_id || null,
      });
      return { status: 200, body: billingProfileView(row) };
    },
  }),
];
