import { z } from 'zod';
import { billingCredits, creditBalance, STATEMENT_COLUMNS, statementPages, usageEventDetail, usageHistory, usageSummary } from '../../credits/reports.service';
import { streamCsv } from '../csv-stream';
import { createdOrReplayed, idempotencyOf, type Idempotency } from '../idempotency';
import type { AppDeps } from '../../app-deps';
import type { Principal } from '../auth';
import { recordUsage } from '../../credits/usage.service';
import { quoteUsage } from '../../catalog/usage-quote';
import { creditPricing } from '../../payouts/payout-config';
import { balanceAsMoney } from '../../catalog/balance-value';
import { redeemVoucher } from '../../credits/vouchers.service';
import { ValidationError } from '../../shared/errors';
import { accountIdOf } from '../principal';
import { defineRoute } from '../route';
import { MAX_ITEMS, MAX_QUANTITY } from '../../pricing/compute/bounds';
import { chargeAmount, tokenCount } from '../schemas/amounts';
import { dateRangeQuery } from '../schemas/dates';
import { plainDebitRoute } from './unit-ledger-routes';
import { creditTransactionsRoute } from './credit-transactions';
import { audioMinutes, imageCount } from '../schemas/model-units';

const label = (max: number) => z.string().trim().min(1).max(max);
const idempotencyKeyField = z.string().min(1).max(255).optional();

export const usageItem = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('tool'), tool: label(200), quantity: z.number().int('must be a whole number').min(1).max(MAX_QUANTITY).default(1) }),
  z.strictObject({
    type: z.literal('model'),
    model: label(200),
    input_tokens: tokenCount,
    output_tokens: tokenCount,
    cache_write_tokens: tokenCount,
    cache_read_tokens: tokenCount,
    minutes: audioMinutes.optional(),
    images: imageCount.optional(),
  }),
]);

export const usageBody = z.strictObject({
  idempotency_key: idempotencyKeyField,
  agent: label(200).optional(),
  task_id: label(200).optional(),
  timestamp: z.iso.datetime({ offset: true }).optional().meta({ description: 'event time inside the open period (late usage); default now' }),
  items: z.array(usageItem).min(1).max(MAX_ITEMS).meta({ description: 'one event charges at most 1,000,000 credits; split larger usage' }),
  markup: z.literal('agent').optional().meta({ description: '"agent": an agent run, charged its lines plus the 20% markup' }),
});

export const usageRoute = defineRoute({
  method: 'post',
  path: '/v1/usage',
  summary: 'Meter one request: price it server-side and debit it (402 when credits run out)',
  description:
    'Prices the items and debits the credits in one database call. Model lines also spend the plan’s monthly token allowance in the same call ' +
    '(all four token kinds count); on a plan without overage a request beyond it is a 402 `insufficient_tokens` and writes nothing, on a plan ' +
    'with overage the tokens beyond it are recorded as token overage.',
  tag: 'Credits',
  access: 'account',
  idempotencyKey: true,
  body: usageBody,
  errors: [402, 409],
  response: {
    status: 201,
    description: 'the usage event, priced line by line',
    schema: z.object({
      id: z.string(),
      credits_used: z.number(),
      balance_after: z.number(),
      breakdown: z.array(z.record(z.string(), z.unknown())).meta({ description: 'one line per item, then the markup and rounding lines' }),
      markup_credits: z.number(),
      overage_credits: z.number().meta({ description: 'credits charged beyond the balance (plans that allow overage)' }),
      agent: z.string().nullable(),
      task_id: z.string().nullable(),
      timestamp: z.string().meta({ description: 'the event time' }),
      transaction_id: z.string().meta({ description: 'the ledger entry that charged it' }),
      task_total_credits: z.number().optional().meta({ description: 'with a task_id: credits charged to the task so far, this event included (its running total)' }),
    }),
  },
  handler: async ({ body, req, principal, deps }) => meterUsage(deps, principal, body, idempotencyOf(req, body.idempotency_key)),
});

/** POST /v1/usage's work, after authentication and validation; the metering lane (../metering-lane.ts) calls it too. */
export async function meterUsage(deps: AppDeps, principal: Principal, body: z.output<typeof usageBody>, idempotency: Idempotency) {
  const result = await recordUsage(deps.db, {
    accountId: accountIdOf(principal),
    idempotencyKey: idempotency.key,
    requestHash: idempotency.requestHash,
    agent: body.agent ?? null,
    taskId: body.task_id ?? null,
    timestamp: body.timestamp ? new Date(body.timestamp) : null,
    markup: body.markup ?? null,
    items: body.items,
    purchaseUrl: `${deps.config.PUBLIC_URL ?? ''}/v1/billing/credits/purchase`,
    creditPricing: creditPricing(deps.config),
  });
  return createdOrReplayed(result);
}

export const creditRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/billing/credits',
    summary: 'Credit balance, usage and included credits of the open period',
    tag: 'Credits',
    access: 'account',
    response: {
      status: 200,
      description: 'balance',
      schema: z.object({
        credits: z.number(),
        used_this_period: z.number(),
        included_credits: z.number(),
        reset_date: z.string(),
        plan: z.string(),
        period_start: z.string(),
        overage_this_period: z.number(),
        held: z.number().meta({ description: 'credits reserved by active holds' }),
        available: z.number().meta({ description: 'credits minus held: what new usage may spend on a plan without overage' }),
      }),
    },
    handler: async ({ principal, deps }) => ({ status: 200, body: await billingCredits(deps.db, accountIdOf(principal)) }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/credits/balance',
    summary: 'Spendable credit balance',
    tag: 'Credits',
    access: 'account',
    response: {
      status: 200,
      description: 'balance',
      schema: z.object({
        data: z.object({
          balance: z.number(),
          currency: z.string(),
          held: z.number().meta({ description: 'credits reserved by active holds' }),
          available: z.number().meta({ description: 'balance minus held: what new usage may spend on a plan without overage' }),
          balance_value: z.number().meta({ description: 'the balance as money: credits × the credit unit price, major units of value_currency' }),
          value_currency: z.string().meta({ description: 'the credit currency, e.g. USD' }),
        }),
      }),
    },
    handler: async ({ principal, deps }) => {
      const answer = await creditBalance(deps.db, accountIdOf(principal));
      return { status: 200, body: { data: { ...answer.data, ...balanceAsMoney(answer.data.balance, deps.config) } } };
    },
  }),
  usageRoute,
  defineRoute({
    method: 'post',
    path: '/v1/usage/quote',
    summary: 'What POST /v1/usage would charge for this body, priced the same way; writes nothing',
    tag: 'Credits',
    access: 'account',
    body: usageBody,
    response: {
      status: 200,
      description: 'the quote',
      schema: z.object({
        credits: z.number().meta({ description: 'what the usage would charge' }),
        breakdown: z.array(z.record(z.string(), z.unknown())).meta({ description: 'the lines POST /v1/usage would answer' }),
        balance: z.number(),
        available: z.number().meta({ description: 'balance minus active holds' }),
        balance_after_if_charged: z.number(),
        overage_if_charged: z.number().meta({ description: 'the part beyond the balance, billed as overage on plans that allow it' }),
        would_exceed: z.boolean().meta({ description: 'the charge is more than what is available: a 402 without overage' }),
        overage_allowed: z.boolean(),
        tokens: z.number().int().meta({ description: 'model tokens the usage would take from the plan’s monthly token allowance (0 on a plan without one)' }),
        tokens_available: z.number().int().meta({ description: 'tokens spendable now' }),
        would_exceed_tokens: z.boolean().meta({ description: 'the tokens are more than what is available: a 402 `insufficient_tokens` without overage' }),
      }),
    },
    handler: async ({ body, principal, deps }) => ({
      status: 200,
      body: await quoteUsage(deps.db, {
        accountId: accountIdOf(principal),
        agent: body.agent ?? null,
        taskId: body.task_id ?? null,
        timestamp: body.timestamp ? new Date(body.timestamp) : null,
        markup: body.markup ?? null,
        items: body.items,
        creditPricing: creditPricing(deps.config),
      }),
    }),
  }),
  plainDebitRoute({ path: '/v1/credits/debit', summary: 'A plain debit of credits (402 when the balance does not cover it)', tag: 'Credits', unit: 'credits', amount: chargeAmount() }),
  defineRoute({
    method: 'get',
    path: '/v1/usage/:id',
    summary: 'One usage event: credits used, tokens, breakdown and how it was paid for; an admin key sees any account\'s, with provider costs',
    tag: 'Credits',
    access: ['account', 'admin'],
    params: z.object({ id: z.string().max(64).regex(/^use_[a-z0-9]+$/, 'must look like use_…') }),
    response: { status: 200, description: 'the event', schema: z.record(z.string(), z.unknown()) },
    handler: async ({ params, principal, deps }) => ({
      status: 200,
      body: await usageEventDetail(deps.db, principal.role === 'admin' ? null : accountIdOf(principal), params.id),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/billing/usage',
    summary: 'Usage history grouped by day, tool, agent, model or task',
    tag: 'Credits',
    access: 'account',
    query: z.strictObject({ ...dateRangeQuery, agent: label(200).optional(), group_by: z.enum(['day', 'tool', 'agent', 'model', 'task']).default('tool') }),
    response: { status: 200, description: 'grouped usage', schema: z.object({
        usage: z.array(z.record(z.string(), z.unknown())).meta({ description: 'one row per group: the group key (named after group_by), executions, credits_used, avg_credits_per_call' }),
        total_executions: z.number(),
        total_credits: z.number(),
        total_charged: z.number().meta({ description: 'credits charged in the range, markup and rounding included' }),
      }),
    },
    handler: async ({ query, principal, deps }) => {
      if (query.start_date && query.end_date && query.start_date >= query.end_date) {
        throw new ValidationError('start_date must be before end_date', { field: 'start_date' });
      }
      return { status: 200, body: await usageHistory(deps.db, accountIdOf(principal), query.group_by, { from: query.start_date, to: query.end_date }, query.agent ?? null) };
    },
  }),
  creditTransactionsRoute,
  defineRoute({
    method: 'get',
    path: '/v1/credits/usage-summary',
    summary: 'This period: credits used and included, by tool and by model',
    tag: 'Credits',
    access: 'account',
    response: { status: 200, description: 'summary', schema: z.object({ data: z.record(z.string(), z.unknown()) }) },
    handler: async ({ principal, deps }) => ({ status: 200, body: await usageSummary(deps.db, accountIdOf(principal)) }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/statements.csv',
    summary: 'CSV statement: one row per ledger entry with balance_after, streamed',
    tag: 'Credits',
    access: 'account',
    query: z.strictObject(dateRangeQuery),
    response: { status: 200, description: 'CSV', contentType: 'text/csv' },
    handler: async ({ query, principal, deps, res }) => {
      const accountId = accountIdOf(principal);
      const pages = statementPages(deps.db, accountId, { from: query.start_date, to: query.end_date });
      await streamCsv(res, { filename: `statement-${accountId}.csv`, columns: STATEMENT_COLUMNS, pages });
      return undefined;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/credits/vouchers/redeem',
    summary: 'Redeem a voucher code; one redemption per account',
    tag: 'Credits',
    access: 'account',
    body: z.strictObject({ code: z.string().trim().min(4).max(64) }),
    errors: [404, 409],
    response: { status: 201, description: 'credits added', schema: z.object({ data: z.record(z.string(), z.unknown()) }) },
    handler: async ({ body, principal, deps }) => ({ status: 201, body: await redeemVoucher(deps.db, accountIdOf(principal), body.code) }),
  }),
];
