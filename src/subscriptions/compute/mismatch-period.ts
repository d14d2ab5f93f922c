import { periodKey } from '../../periods/compute/calendar-month';

/**
 * The month of Settle's period invoice that a Stripe invoice collects: the UTC month in which its
 * service period starts. Stripe's renewal invoice on the 1st bills the month that just ended (its
 * usage, in arrears), and its period_start is that month's 1st. Without a service period (a
 * one-off invoice), the month it was created in.
 */
export function pairingPeriodOf(invoice: { periodStart: number | null; created: number }): string {
  const seconds = invoice.periodStart ?? invoice.created;
  return periodKey(new Date(seconds * 1000));
}
