import { z } from 'zod';
import { getAlerts, putAlerts } from '../../outgoing-webhooks/alerts.service';
import { listDeliveries, redeliver } from '../../outgoing-webhooks/deliveries.service';
import { createEndpoint, deleteEndpoint, getEndpoint, listEndpoints, rotateSecret, updateEndpoint, type WebhookOwner } from '../../outgoing-webhooks/endpoints.service';
import { EVENT_TYPES } from '../../outgoing-webhooks/event-types';
import { ValidationError } from '../../shared/errors';
import { endpointView } from '../../outgoing-webhooks/webhook-views';
import type { Principal } from '../auth';
import { accountIdOf } from '../principal';
import { defineRoute } from '../route';
import { creditAmount } from '../schemas/amounts';
import { idParam, listQuery, shortText } from '../schemas/common';

/**
 * Outgoing webhooks and usage alerts (issue 12): where Settle sends its events, the delivery log,
 * and the alert thresholds. An account key manages its own endpoints; the admin key manages any,
 * including global ones that receive every account's events.
 */
const ownerOf = (principal: Principal): WebhookOwner => (principal.role === 'admin' ? { kind: 'admin' } : { kind: 'account', accountId: accountIdOf(principal) });

const receiverUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).max(2048);
const eventTypes = z.array(z.enum(EVENT_TYPES)).max(EVENT_TYPES.length).meta({ description: 'event types to receive; empty or left out: all' });
// any id shape: one that is not an endpoint of the caller is a 404, like one that does not exist
const endpointParams = z.object({ id: z.string().min(1).max(64).meta({ description: 'we_…' }) });
const deliveryStatus = z.enum(['pending', 'delivered', 'failed']);

const endpointSchema = z.object({
  id: z.string(),
  account_id: z.string().nullable().meta({ description: 'whose events it receives; null: every account’s (admin)' }),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable().meta({ description: 'why it stopped receiving, e.g. the receiver answered 410 Gone' }),
  previous_secret_expires_at: z.string().nullable().meta({ description: 'until then the secret before the last rotation signs too' }),
  created_at: z.string(),
  updated_at: z.string(),
});
const deliverySchema = z.object({
  id: z.string(),
  event_id: z.string().meta({ description: 'also the webhook-id header: the same on every attempt and redelivery' }),
  endpoint_id: z.string(),
  type: z.string(),
  status: deliveryStatus,
  attempts: z.number().int(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  next_attempt_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  created_at: z.string(),
});
const alertsSchema = z.object({
  thresholds_percent: z.array(z.number().int()),
  low_balance_credits: z.number().nullable(),
  updated_at: z.string().nullable().meta({ description: 'null: never saved, the defaults apply' }),
});

export const webhookEndpointRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/webhook-endpoints',
    summary: 'Receive Settle’s events at a URL, signed per Standard Webhooks (the secret is shown once)',
    tag: 'Webhooks',
    access: ['account', 'admin'],
    body: z.strictObject({
      url: receiverUrl,
      events: eventTypes.optional(),
      description: shortText(500).optional(),
      account_id: idParam('acct').optional().meta({ description: 'admin key only: whose events; left out, every account’s' }),
    }),
    response: { status: 201, description: 'the endpoint and its secret', schema: endpointSchema.extend({ secret: z.string().meta({ description: 'whsec_…: shown only now' }) }) },
    handler: async ({ body, principal, deps }) => {
      const owner = ownerOf(principal);
      if (owner.kind === 'account' && body.account_id !== undefined && body.account_id !== owner.accountId) {
        throw new ValidationError('account_id is for the admin key; an account key creates endpoints for its own account', { field: 'account_id' });
      }
      const created = await createEndpoint(deps, owner, { url: body.url, events: body.events ?? [], description: body.description ?? null, accountId: body.account_id ?? null });
      return { status: 201, body: created };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/webhook-endpoints',
    summary: 'Webhook endpoints: the account’s own, or (admin key) all',
    tag: 'Webhooks',
    access: ['account', 'admin'],
    response: { status: 200, description: 'endpoints, newest first', schema: z.object({ data: z.array(endpointSchema) }) },
    handler: async ({ principal, deps }) => ({ status: 200, body: await listEndpoints(deps.db, ownerOf(principal)) }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/webhook-endpoints/:id',
    summary: 'One webhook endpoint',
    tag: 'Webhooks',
    access: ['account', 'admin'],
    params: endpointParams,
    response: { status: 200, description: 'the endpoint', schema: endpointSchema },
    handler: async ({ params, principal, deps }) => ({ status: 200, body: endpointView(await getEndpoint(deps.db, ownerOf(principal), params.id)) }),
  }),
  defineRoute({
    method: 'patch',
    path: '/v1/webhook-endpoints/:id',
    summary: 'Change an endpoint’s URL, event types or description, or disable and enable it',
    tag: 'Webhooks',
    access: ['account', 'admin'],
    params: endpointParams,
    body: z.strictObject({
      url: receiverUrl.optional(),
      events: eventTypes.optional(),
      description: shortText(500).nullable().optional(),
      enabled: z.boolean().optional().meta({ description: 'false: no new deliveries; true again after a 410 Gone disabled it' }),
    }),
    response: { status: 200, description: 'the endpoint', schema: endpointSchema },
    handler: async ({ params, body, principal, deps }) => ({ status: 200, body: await updateEndpoint(deps, ownerOf(principal), params.id, body) }),
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/webhook-endpoints/:id',
    summary: 'Delete an endpoint and its delivery log',
    tag: 'Webhooks',
    access: ['account', 'admin'],
    params: endpointParams,
    response: { status: 200, description: 'deleted', schema: z.object({ id: z.string(), deleted: z.literal(true) }) },
    handler: async ({ params, principal, deps }) => ({ status: 200, body: await deleteEndpoint(deps.db, ownerOf(principal), params.id) }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/webhook-endpoints/:id/rotate-secret',
    summary: 'A new signing secret (shown once); the old one keeps signing alongside it for 24 hours',
    tag: 'Webhooks',
    access: ['account', 'admin'],
    params: endpointParams,
    errors: [409],
    response: { status: 200, description: 'the new secret', schema: z.object({ id: z.string(), secret: z.string(), previous_secret_expires_at: z.string() }) },
    handler: async ({ params, principal, deps }) => ({ status: 200, body: await rotateSecret(deps.db, ownerOf(principal), params.id) }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/webhook-endpoints/:id/deliveries',
    summary: 'An endpoint’s delivery log, newest first',
    tag: 'Webhooks',
    access: ['account', 'admin'],
    params: endpointParams,
    query: listQuery.extend({ status: deliveryStatus.optional() }).strict(),
    response: { status: 200, description: 'deliveries', schema: z.object({ data: z.array(deliverySchema) }) },
    handler: async ({ params, query, principal, deps }) => ({
      status: 200,
      body: await listDeliveries(deps.db, ownerOf(principal), { endpointId: params.id, status: query.status ?? null, limit: query.limit, offset: query.offset }),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/webhook-deliveries',
    summary: 'Deliveries to every endpoint the key may see (admin: all), newest first; e.g. ?status=failed',
    tag: 'Webhooks',
    access: ['account', 'admin'],
    query: listQuery.extend({ status: deliveryStatus.optional(), endpoint_id: idParam('we').optional() }).strict(),
    errors: [404], // an endpoint_id the key cannot see
    response: { status: 200, description: 'deliveries', schema: z.object({ data: z.array(deliverySchema) }) },
    handler: async ({ query, principal, deps }) => ({
      status: 200,
      body: await listDeliveries(deps.db, ownerOf(principal), { endpointId: query.endpoint_id ?? null, status: query.status ?? null, limit: query.limit, offset: query.offset }),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/webhook-deliveries/:id/redeliver',
    summary: 'Send a finished delivery again, with the same webhook-id (409 while it is still pending or its endpoint is disabled)',
    tag: 'Webhooks',
    access: ['account', 'admin'],
    params: z.object({ id: idParam('whd') }),
    errors: [409],
    response: { status: 200, description: 'the delivery, pending again', schema: deliverySchema },
    handler: async ({ params, principal, deps }) => ({ status: 200, body: await redeliver(deps.db, ownerOf(principal), params.id) }),
  }),
];

export const alertRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/billing/alerts',
    summary: 'Usage alert settings (defaults until saved: 50, 80 and 100 % of the period’s included credits, no low-balance floor)',
    tag: 'Billing',
    access: 'account',
    response: { status: 200, description: 'the settings', schema: alertsSchema },
    handler: async ({ principal, deps }) => ({ status: 200, body: await getAlerts(deps.db, accountIdOf(principal)) }),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/billing/alerts',
    summary: 'Set when usage alerts fire: credits.threshold_reached once per threshold per period, credits.low_balance once per fall below the floor',
    tag: 'Billing',
    access: 'account',
    body: z.strictObject({
      thresholds_percent: z.array(z.number().int('must be a whole percentage').min(1).max(100)).max(10).optional()
        .meta({ description: 'percentages of the period’s included credits; [] for none' }),
      low_balance_credits: creditAmount({ allowZero: true }).nullable().optional()
        .meta({ description: 'a debit leaving the balance below this sends credits.low_balance; null: off' }),
    }),
    response: { status: 200, description: 'the saved settings', schema: alertsSchema },
    handler: async ({ body, principal, deps }) => ({
      status: 200,
      body: await putAlerts(deps.db, accountIdOf(principal), { thresholdsPercent: body.thresholds_percent, lowBalance: body.low_balance_credits }),
    }),
  }),
];
