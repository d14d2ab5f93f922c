import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import { shareUnits } from '../../payouts/compute/accrual-split';
import { resolvePayoutWindow } from '../../payouts/compute/payout-period';
import { updatePublisherSettings } from '../../payouts/connect.service';
import { payoutRunWorkflowId, payoutWorkflowId } from '../../payouts/payout-keys';
import { planPayoutRun } from '../../payouts/payout-run.service';
import { payoutView } from '../../payouts/payout-view';
import { findPayout, listPayouts, PAYOUT_STATUSES } from '../../payouts/payouts.queries';
import { claimPayoutRetry, releasePayoutRetry } from '../../payouts/retry-payout';
import { NotFoundError, UnavailableError } from '../../shared/errors';
import { defineRoute } from '../route';
import { idParam, isoDateTime, listMeta, listQuery } from '../schemas/common';
import { periodKey } from '../schemas/dates';
import { payoutSchema } from './payouts-schemas';

/** Finance ops: publisher settings, payout runs, failed payouts and their re-runs. */
const revenueShare = z
  .number()
  .min(0)
  .max(1)
  .refine((value) => {
    try {
      shareUnits(value);
      return true;
    } catch {
      return false;
    }
  }, 'must be between 0 and 1 with at most 5 decimals');

const publisherSchema = z.object({
  id: z.string(),
  name: z.string(),
  stripe_account_id: z.string().nullable(),
  revenue_share: z.number(),
  transfers_enabled: z.boolean(),
});

export const payoutAdminRoutes = [
  defineRoute({
    method: 'put',
    path: '/v1/admin/publishers/:id',
    summary: "Attach a publisher's existing connected account, set its revenue share or transfers flag",
    tag: 'Publishers',
    access: 'admin',
    params: z.object({ id: idParam('pub') }),
    body: z.strictObject({
      stripe_account_id: z.string().max(255).regex(/^acct_[A-Za-z0-9]+$/, 'must look like acct_…').nullable().optional(),
      revenue_share: revenueShare.optional().meta({ description: 'publisher share of credits spent on its tools, 0..1 (default 0.8)' }),
      transfers_enabled: z.boolean().optional().meta({ description: 'normally set by account.updated webhooks; attaching another account resets it to false' }),
    }),
    errors: [409],
    response: { status: 200, description: 'the publisher', schema: publisherSchema },
    handler: async ({ params, body, deps }) => ({
      status: 200,
      body: await updatePublisherSettings(deps.db, params.id, {
        stripeAccountId: body.stripe_account_id,
        revenueShare: body.revenue_share === undefined ? undefined : shareUnits(body.revenue_share),
        transfersEnabled: body.transfers_enabled,
      }),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/payout-runs',
    summary: 'Pay publishers everything accrued up to as_of (default: the previous month)',
    tag: 'Payouts',
    access: 'admin',
    body: z
      .strictObject({
        period: periodKey.optional(),
        as_of: isoDateTime.refine((date) => date.getTime() >= Date.UTC(1000, 0, 1), 'must be 1000-01-01 or later').optional().meta({ description: 'cutoff: accruals before it are paid (default: end of the period, or now for the open month)' }),
      })
      .default({}),
    errors: [503],
    response: {
      status: 202,
      description: 'started (or joined, when a run of the period is in progress)',
      schema: z.object({ run_id: z.string(), period: z.string(), as_of: z.string(), payouts: z.array(z.string()), status: z.string() }),
    },
    handler: async ({ body, deps }) => {
      const window = resolvePayoutWindow(new Date(), { period: body.period, asOf: body.as_of });
      const planned = await planPayoutRun(deps.db, { ...window, currency: deps.config.CREDIT_CURRENCY });
      const runId = payoutRunWorkflowId(window.period);
      try {
        await deps.temporal.workflow.start('publisherPayoutRun', {
          workflowId: runId,
          taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
          args: [{ period: window.period, asOf: window.asOf.toISOString() }],
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw new UnavailableError('Temporal did not start the payout run; retry', { reason: String(error) });
      }
      return {
        status: 202,
        body: { run_id: runId, period: window.period, as_of: window.asOf.toISOString(), payouts: planned.map((p) => p.payoutId), status: 'RUNNING' },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/admin/payouts',
    summary: 'Payouts, newest first; ?status=failed lists the ones to re-run',
    tag: 'Payouts',
    access: 'admin',
    query: listQuery.extend({ status: z.enum(PAYOUT_STATUSES).optional(), publisher_id: idParam('pub').optional() }),
    response: { status: 200, description: 'payouts', schema: z.object({ data: z.array(payoutSchema), meta: listMeta }) },
    handler: async ({ query, deps }) => {
      const { rows, total } = await listPayouts(deps.db, { status: query.status, publisherId: query.publisher_id, limit: query.limit, offset: query.offset });
      return { status: 200, body: { data: rows.map(payoutView), meta: { total, limit: query.limit, offset: query.offset } } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/admin/payouts/:id',
    summary: 'One payout',
    tag: 'Payouts',
    access: 'admin',
    params: z.object({ id: idParam('po') }),
    response: { status: 200, description: 'the payout', schema: payoutSchema },
    handler: async ({ params, deps }) => {
      const payout = await findPayout(deps.db, params.id);
      if (!payout) throw new NotFoundError('Payout', params.id);
      return { status: 200, body: payoutView(payout) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/payouts/:id/retry',
    summary: 'Re-run a failed payout (a new transfer attempt); 409 unless it is failed',
    tag: 'Payouts',
    access: 'admin',
    params: z.object({ id: idParam('po') }),
    errors: [409, 503],
    response: {
      status: 202,
      description: 'the retry started',
      schema: payoutSchema.extend({ workflow_id: z.string() }),
    },
    handler: async ({ params, deps }) => {
      const { payout, previous } = await claimPayoutRetry(deps.db, params.id);
      const workflowId = payoutWorkflowId(payout.publisher_id, payout.period, payout.attempts);
      try {
        await deps.temporal.workflow.start('publisherPayout', {
          workflowId,
          taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
          args: [{ payoutId: payout.id, publisherId: payout.publisher_id, period: payout.period, asOf: new Date(payout.as_of).toISOString() }],
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
          await releasePayoutRetry(deps.db, payout, previous);
          throw new UnavailableError('Temporal did not start the retry; the payout is still failed, retry later', { reason: String(error) });
        }
      }
      return { status: 202, body: { ...payoutView(payout), workflow_id: workflowId } };
    },
  }),
];
