/** Every event type Settle sends (API.md, "Outgoing webhooks and alerts"). */
export const EVENT_TYPES = [
  'credits.threshold_reached',
  'credits.low_balance',
  'credits.exhausted',
  'purchase.fulfilled',
  'purchase.review',
  'purchase.refunded',
  'invoice.finalized',
  'invoice.paid',
  'subscription.updated',
  'period.closed',
  'payout.paid',
  'payout.failed',
  'close.completed',
  'close.failed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];
