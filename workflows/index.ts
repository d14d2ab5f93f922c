/** Every workflow the worker runs. Workflows hold no I/O and import activity types only. */
export { systemCheck } from './system-check.workflow';
export { publisherPayout, publisherPayoutRun } from './publisher-payout.workflow';
