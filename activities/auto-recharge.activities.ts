import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Config } from '../src/config/config';
import { asActivity } from './activity-errors';
import type { BeginOutcome, ChargeOutcome, Crossing, FinishOutcome } from '../src/auto-recharge/auto-recharge.types';
import { chargeRecharge } from '../src/auto-recharge/charge-recharge';
import { beginRecharge, finishRecharge } from '../src/auto-recharge/recharge-attempts.service';
import { rechargeInvoiceInput, recordRechargeInvoice } from '../src/auto-recharge/recharge-invoice';

/** The steps of autoRecharge: commit the attempt, charge it on Stripe, record the answer, invoice it. */
export function createAutoRechargeActivities(deps: { config: Config; db: Knex; stripe: Stripe }) {
  return {
    beginAutoRecharge(input: { accountId: string; crossing: Crossing }): Promise<BeginOutcome> {
      return asActivity(() => beginRecharge(deps, input));
    },
    chargeAutoRecharge(input: { accountId: string; n: number }): Promise<ChargeOutcome> {
      return asActivity(() => chargeRecharge(deps, input));
    },
    finishAutoRecharge(input: { accountId: string; n: number; outcome: ChargeOutcome }): Promise<FinishOutcome> {
      return asActivity(() => finishRecharge(deps.db, input));
    },
    autoRechargeInvoiceInput: (input: { accountId: string; n: number }) => rechargeInvoiceInput(deps.db, input),
    recordAutoRechargeInvoice: (input: { accountId: string; n: number; invoiceId: string }) => recordRechargeInvoice(deps.db, input),
  };
}
