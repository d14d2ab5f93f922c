import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Config } from '../src/config/config';
import type { BeginOutcome, ChargeOutcome, Crossing, FinishOutcome } from '../src/auto-recharge/auto-recharge.types';
import { chargeRecharge } from '../src/auto-recharge/charge-recharge';
import { beginRecharge, finishRecharge } from '../src/auto-recharge/recharge-attempts.service';
import { rechargeInvoiceInput, recordRechargeInvoice } from '../src/auto-recharge/recharge-invoice';
import { AppError } from '../src/shared/errors';

/** AppErrors that retrying cannot fix become non-retryable failures; the rest retry. */
async function activityErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError && !error.retryable) throw ApplicationFailure.nonRetryable(error.message, error.code, error.details);
    throw error;
  }
}

/** The steps of autoRecharge: commit the attempt, charge it on Stripe, record the answer, invoice it. */
export function createAutoRechargeActivities(deps: { config: Config; db: Knex; stripe: Stripe }) {
  return {
    beginAutoRecharge(input: { accountId: string; crossing: Crossing }): Promise<BeginOutcome> {
      return activityErrors(() => beginRecharge(deps, input));
    },
    chargeAutoRecharge(input: { accountId: string; n: number }): Promise<ChargeOutcome> {
      return activityErrors(() => chargeRecharge(deps, input));
    },
    finishAutoRecharge(input: { accountId: string; n: number; outcome: ChargeOutcome }): Promise<FinishOutcome> {
      return activityErrors(() => finishRecharge(deps.db, input));
    },
    autoRechargeInvoiceInput: (input: { accountId: string; n: number }) => rechargeInvoiceInput(deps.db, input),
    recordAutoRechargeInvoice: (input: { accountId: string; n: number; invoiceId: string }) => recordRechargeInvoice(deps.db, input),
  };
}
