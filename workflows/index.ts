/** Every workflow the worker runs. Workflows hold no I/O and import activity types only. */
export { systemCheck } from './system-check.workflow';
export { issueInvoice } from './issue-invoice.workflow';
export { monthEndClose } from './month-end-close.workflow';
export { overageSweep } from './overage-sweep.workflow';
export { scheduledClose } from './scheduled-close.workflow';
export { publisherPayout, publisherPayoutRun } from './publisher-payout.workflow';
export { checkoutToCredit } from './checkout-to-credit.workflow';
export { refund } from './refund.workflow';
export { reconcileCheckouts } from './reconcile-checkouts.workflow';
export { autoRecharge } from './auto-recharge.workflow';
export { subscription } from './subscription.workflow';
export { webhookDelivery } from './webhook-delivery.workflow';
