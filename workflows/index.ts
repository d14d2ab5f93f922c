/** Every workflow the worker runs. Workflows hold no I/O and import activity types only. */
export { systemCheck } from './system-check.workflow';
export { checkoutToCredit } from './checkout-to-credit.workflow';
export { refund } from './refund.workflow';
export { reconcileCheckouts } from './reconcile-checkouts.workflow';
