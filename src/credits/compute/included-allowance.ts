import type { Unit } from './burn-order';

/**
 * How a period's included allowance is booked, wherever it is granted (account creation, the
 * month-end close): the same key, so it can be granted only once per account, period and unit.
 */
export function includedAllowance(planName: string, unit: Unit, periodKey: string) {
  return {
    idempotencyKey: `included:${periodKey}:${unit}`,
    source: `period:${periodKey}`,
    description: `${planName} plan: included ${unit} for ${periodKey}`,
  };
}
