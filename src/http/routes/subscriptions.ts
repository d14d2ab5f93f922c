import crypto from 'node:crypto';
import { z } from 'zod';
import { idempotencyKeyOf } from '../idempotency';
import { ensureStripeCustomer } from '../../checkout/purchase.service';
import { createPortalSession } from '../../integrations/stripe/subscriptions';
import { startSubscriptionCheckout } from '../../subscriptions/subscription-checkout.service';
import { checkCommand } from '../../subscriptions/subscription-commands.service';
import { subscriptionView } from '../../subscriptions/subscription-view';
import { signalSubscriptionCommand } from '../../subscriptions/subscription-workflows';
import type { SubscriptionCommand } from '../../subscriptions/subscription.types';
import type { AppDeps } from '../../app-deps';
import { publicUrl } from '../../config/public-url';
import { accountIdOf } from '../principal';
import { defineRoute } from '../route';

const planSlug = z.string().trim().min(1).max(64);
const returnUrl = z.url().max(2000);

export const subscriptionSchema = z.object({
  plan: z.string(),
  status: z.string(),
  usage: z.object({ creditsUsed: z.number(), creditsLimit: z.number(), percentUsed: z.number(), totalTokensUsed: z.number() }),
  currentPeriod: z.object({ start: z.string(), end: z.string() }),
  limits_plan: z.string().meta({ description: 'the plan whose limits apply now (free while an unpaid subscription holds the account)' }),
  past_due_since: z.string().nullable(),
  pending_plan: z.string().nullable(),
  cancel_at_period_end: z.boolean(),
  current_period_start: z.string(),
  current_period_end: z.string(),
  stripe_subscription_id: z.string().nullable(),
  latest_invoice: z.object({ id: z.string(), status: z.string().nullable(), amount_due: z.number(), currency: z.string() }).nullable(),
});

const subscriptionCommandSchema = subscriptionSchema.extend({
  requested: z.enum(['change', 'cancel', 'resume']).meta({ description: 'the command its workflow now applies' }),
});

/** Checks the command, hands it to the account's subscription workflow and answers 202 with the subscription. */
async function command(deps: AppDeps, accountId: string, requestId: string, make: (id: string) => SubscriptionCommand) {
  const cmd = make(requestId);
  await checkCommand(deps.db, accountId, cmd);
  await signalSubscriptionCommand(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, accountId, cmd);
  return { status: 202, body: { ...(await subscriptionView(deps.db, accountId)), requested: cmd.kind } };
}

const requestIdOf = (req: Parameters<typeof idempotencyKeyOf>[0]) => {
  const { key, given } = idempotencyKeyOf(req);
  return given ? key : crypto.randomUUID();
};

export const subscriptionRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/subscription',
    summary: 'The subscription: plan, status, what changes at period end, the latest Stripe invoice, and this period’s usage with percentUsed',
    tag: 'Subscriptions',
    access: 'account',
    response: { status: 200, description: 'subscription', schema: subscriptionSchema },
    handler: async ({ principal, deps }) => ({ status: 200, body: await subscriptionView(deps.db, accountIdOf(principal)) }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/subscription/checkout',
    summary: 'Subscribe to a paid plan: a Stripe Checkout Session in subscription mode (monthly fee + metered overage, periods on calendar months); the signed webhooks then make the plan active',
    tag: 'Subscriptions',
    access: 'account',
    idempotencyKey: true,
    body: z.strictObject({ plan: planSlug, success_url: returnUrl.optional(), cancel_url: returnUrl.optional() }),
    errors: [409],
    response: { status: 201, description: 'the Checkout Session to send the customer to', schema: z.object({ checkout_url: z.string(), session_id: z.string(), plan: z.string() }) },
    handler: async ({ body, principal, deps, req }) => {
      const created = await startSubscriptionCheckout(deps, {
        accountId: accountIdOf(principal),
        planId: body.plan,
        successUrl: body.success_url ?? publicUrl(deps.config, '/docs?subscription=success&session_id={CHECKOUT_SESSION_ID}'),
        cancelUrl: body.cancel_url ?? publicUrl(deps.config, '/docs?subscription=canceled'),
        requestId: requestIdOf(req),
      });
      return { status: 201, body: created };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/subscription/change',
    summary: 'Change plan: an upgrade applies now (Stripe prorates; the new plan’s included credits for the rest of the period are granted at once), a downgrade at the end of the period',
    tag: 'Subscriptions',
    access: 'account',
    idempotencyKey: true,
    body: z.strictObject({ plan: planSlug }),
    errors: [409],
    response: { status: 202, description: 'the subscription; the change is applied by its workflow', schema: subscriptionCommandSchema },
    handler: async ({ body, principal, deps, req }) =>
      command(deps, accountIdOf(principal), requestIdOf(req), (requestId) => (body.plan === 'free' ? { kind: 'cancel', requestId } : { kind: 'change', requestId, plan: body.plan })),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/subscription/cancel',
    summary: 'Cancel at the end of the period (then the free plan); undo before then with resume',
    tag: 'Subscriptions',
    access: 'account',
    idempotencyKey: true,
    body: z.strictObject({ at_period_end: z.literal(true).default(true).meta({ description: 'only cancellation at period end is offered here' }) }).default({ at_period_end: true }),
    errors: [409],
    response: { status: 202, description: 'the subscription', schema: subscriptionCommandSchema },
    handler: async ({ principal, deps, req }) => command(deps, accountIdOf(principal), requestIdOf(req), (requestId) => ({ kind: 'cancel', requestId })),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/subscription/resume',
    summary: 'Undo a cancellation or downgrade that waits for the end of the period',
    tag: 'Subscriptions',
    access: 'account',
    idempotencyKey: true,
    errors: [409],
    response: { status: 202, description: 'the subscription', schema: subscriptionCommandSchema },
    handler: async ({ principal, deps, req }) => command(deps, accountIdOf(principal), requestIdOf(req), (requestId) => ({ kind: 'resume', requestId })),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/billing/portal',
    summary: 'A Stripe customer portal session: payment methods, invoices, cancellation',
    tag: 'Subscriptions',
    access: 'account',
    body: z.strictObject({ return_url: returnUrl.optional() }).default({}),
    response: { status: 201, description: 'where to send the customer', schema: z.object({ url: z.string() }) },
    handler: async ({ body, principal, deps }) => {
      const customerId = await ensureStripeCustomer(deps, accountIdOf(principal));
      return { status: 201, body: { url: await createPortalSession(deps.stripe, customerId, body.return_url ?? publicUrl(deps.config, '/docs')) } };
    },
  }),
];
