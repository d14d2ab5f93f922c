import { z } from 'zod';
import { createAccount, createPublisher, issueAccountKey, revokeKey } from '../../accounts/accounts.service';
import { accountDetail, accountListView } from '../../accounts/account-detail.service';
import { listAccounts } from '../../accounts/account-list.queries';
import { creditPricing } from '../../payouts/payout-config';
import { defineRoute } from '../route';
import { emailAddress, idParam, isoDateTime, listMeta, listQuery, shortText } from '../schemas/common';

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

const accountListItem = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  plan: z.string(),
  balance: z.number().meta({ description: 'credits: the ledger balance' }),
  subscription_status: z.string().nullable().meta({ description: 'the Stripe subscription status, null when the account never had one' }),
  period_start: z.string(),
  period_end: z.string(),
  created_at: z.string(),
});

const accountDetailSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  plan: z.string(),
  stripe_customer_id: z.string().nullable(),
  created_at: z.string(),
  balance: z.number().meta({ description: 'spendable credits now' }),
  held: z.number(),
  available: z.number(),
  balance_value: z.number().meta({ description: 'the balance valued at the credit unit price, major units of currency' }),
  currency: z.string(),
  period: z.object({ start: z.string(), end: z.string(), included_credits: z.number(), used: z.number(), overage: z.number() }),
  subscription: z.object({
    plan: z.string(),
    status: z.string(),
    pending_plan: z.string().nullable(),
    cancel_at_period_end: z.boolean(),
    current_period_start: z.string(),
    current_period_end: z.string(),
    stripe_subscription_id: z.string().nullable(),
    latest_invoice: z.object({ id: z.string(), status: z.string().nullable(), amount_due: z.number(), currency: z.string() }).nullable(),
  }),
  keys: z.array(z.object({ id: z.string(), prefix: z.string().meta({ description: 'the first characters of the key, to recognise it' }), created_at: z.string(), revoked_at: z.string().nullable() })),
});

export const accountAdminRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/admin/accounts',
    summary: 'Accounts, newest first: search by name, email or id, filter by plan',
    tag: 'Accounts',
    access: 'admin',
    query: listQuery.extend({
      query: z.string().trim().min(1).max(200).optional().meta({ description: 'part of the name or email (any case), or an account id' }),
      plan: z.string().max(64).optional(),
    }),
    response: { status: 200, description: 'a page of accounts', schema: z.object({ data: z.array(accountListItem), meta: listMeta }) },
    handler: async ({ query, deps }) => {
      const page = { limit: query.limit, offset: query.offset };
      const { rows, total } = await listAccounts(deps.db, { query: query.query ?? null, plan: query.plan ?? null }, page);
      return { status: 200, body: { data: rows.map(accountListView), meta: { total, ...page } } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/admin/accounts/:id',
    summary: 'One account: balance, plan, subscription, open period and API keys (never their secrets)',
    tag: 'Accounts',
    access: 'admin',
    params: z.object({ id: idParam('acct') }),
    response: { status: 200, description: 'the account', schema: accountDetailSchema },
    handler: async ({ params, deps }) => ({ status: 200, body: await accountDetail(deps.db, params.id, creditPricing(deps.config)) }),
  }),
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
