import { z } from 'zod';
import { createAccount, createPublisher, issueAccountKey, revokeKey } from '../../accounts/accounts.service';
import { defineRoute } from '../route';
import { emailAddress, idParam, isoDateTime, shortText } from '../schemas/common';

const createAccountBody = z.strictObject({
  name: shortText(),
  plan: z.string().max(64).default('free'),
  email: emailAddress.optional(),
  stripe_customer_id: z.string().max(255).regex(/^cus_[A-Za-z0-9]+$/, 'must look like cus_…').optional(),
  period_start: isoDateTime.optional().meta({ description: 'a past period start, for migrating customers (floored to its UTC month)' }),
});

const accountCreated = z.object({
  id: z.string(),
  name: z.string(),
  plan: z.string(),
  email: z.string().nullable(),
  period_start: z.string().meta({ description: 'start of the open period (date-time)' }),
  period_end: z.string().meta({ description: 'end of the open period, exclusive (date-time)' }),
  api_key: z.string().meta({ description: 'shown once; store it now' }),
  key_id: z.string(),
});

export const accountAdminRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/admin/accounts',
    summary: 'Create an account and its first API key',
    tag: 'Accounts',
    access: 'admin',
    body: createAccountBody,
    errors: [409],
    response: { status: 201, description: 'the account, with its API key (shown once)', schema: accountCreated },
    handler: async ({ body, deps }) => {
      const account = await createAccount(deps.db, {
        name: body.name,
        plan: body.plan,
        email: body.email,
        stripeCustomerId: body.stripe_customer_id,
        periodStart: body.period_start,
      });
      return { status: 201, body: account };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/accounts/:id/api-keys',
    summary: 'Issue another API key for an account',
    tag: 'Accounts',
    access: 'admin',
    params: z.object({ id: idParam('acct') }),
    response: { status: 201, description: 'the new key (shown once)', schema: z.object({ key_id: z.string(), api_key: z.string() }) },
    handler: async ({ params, deps }) => {
      const key = await issueAccountKey(deps.db, params.id);
      return { status: 201, body: { key_id: key.keyId, api_key: key.apiKey } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/admin/api-keys/:key_id',
    summary: 'Revoke an API key',
    tag: 'Accounts',
    access: 'admin',
    params: z.object({ key_id: idParam('key') }),
    response: { status: 200, description: 'revoked', schema: z.object({ key_id: z.string(), revoked: z.literal(true) }) },
    handler: async ({ params, deps, keys }) => {
      await revokeKey(deps.db, params.key_id);
      keys.forget();
      return { status: 200, body: { key_id: params.key_id, revoked: true } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/publishers',
    summary: 'Create a tool publisher and its API key',
    tag: 'Publishers',
    access: 'admin',
    body: z.strictObject({
      name: shortText(),
      stripe_account_id: z.string().max(255).regex(/^acct_[A-Za-z0-9]+$/, 'must look like acct_…').optional(),
    }),
    errors: [409],
    response: {
      status: 201,
      description: 'the publisher, with its API key (shown once)',
      schema: z.object({ id: z.string(), name: z.string(), stripe_account_id: z.string().nullable(), api_key: z.string(), key_id: z.string() }),
    },
    handler: async ({ body, deps }) => {
      const publisher = await createPublisher(deps.db, { name: body.name, stripeAccountId: body.stripe_account_id });
      return { status: 201, body: publisher };
    },
  }),
];
