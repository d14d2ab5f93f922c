import type { Knex } from 'knex';
import * as createAccountsAndKeys from './20261125000001_create_accounts_and_keys';
import * as createCatalog from './20261125000020_create_catalog';
import * as createLedger from './20261125000021_create_ledger';
import * as createVouchers from './20261125000022_create_vouchers';
import * as createPeriods from './20261125000030_create_periods';
import * as createInvoices from './20261125000050_create_invoices';
import * as createPublisherAccrualsAndPayouts from './20261125000060_create_publisher_accruals_and_payouts';
import * as createCheckoutTables from './20261125000040_create_checkout_tables';
import * as setBasedDebit from './20261125000070_set_based_debit';
import * as createSubscriptions from './20261204000080_create_subscriptions';
import * as createStripeBillingCatalog from './20261204000081_create_stripe_billing_catalog';
import * as createAutoRecharge from './20261204000082_create_auto_recharge';
import * as createCollection from './20261204000083_create_collection';
import * as createAuditLog from './20261204000090_create_audit_log';
import * as createHolds from './20261204000100_create_holds';
import * as debitSpendsAvailable from './20261204000101_debit_spends_available';
import * as coherentCatalog from './20261204000120_coherent_catalog';
import * as priceModelsPerMinuteAndImage from './20261204000130_price_models_per_minute_and_image';
import * as addAgentMarkup from './20261204000131_add_agent_markup';
import * as indexUsageByTask from './20261204000132_index_usage_by_task';
import * as createOutgoingWebhooks from './20261204000110_create_outgoing_webhooks';
import * as indexEventsForRetention from './20261204000112_index_events_for_retention';
import * as debitEmitsAlerts from './20261204000111_debit_emits_alerts';
import * as holdsAgentLimitAndSweep from './20261204000102_holds_agent_limit_and_sweep';
import * as settleCaptureBatch from './20261204000103_settle_capture_batch';
import * as settleHoldBatch from './20261204000104_settle_hold_batch';
import * as createTokenPacks from './20261204000140_create_token_packs';
import * as directPurchasePaymentMethod from './20261204000141_direct_purchase_payment_method';
import * as createUsageDaily from './20261204000150_create_usage_daily';
import * as reportTokenOverage from './20261204000160_report_token_overage';
import * as debitTakesModelTokens from './20261204000180_debit_takes_model_tokens';
import * as ledgerKeysOnlyWhenGiven from './20261204000181_ledger_keys_only_when_given';
import * as usageItemsWithoutReportIndex from './20261204000182_usage_items_without_report_index';
import * as indexGrantsByAccount from './20261204000183_index_grants_by_account';
import * as breakdownStoredOnce from './20261204000190_breakdown_stored_once';
import * as oneRowPerMeteredCall from './20261205000200_one_row_per_metered_call';
import * as debitLoadsPerBatch from './20261205000300_debit_loads_per_batch';

export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Every migration, oldest first. Append new ones at the end. */
export const migrations: Migration[] = [
  { name: '20261125000001_create_accounts_and_keys', ...createAccountsAndKeys },
  { name: '20261125000020_create_catalog', ...createCatalog },
  { name: '20261125000021_create_ledger', ...createLedger },
  { name: '20261125000022_create_vouchers', ...createVouchers },
  { name: '20261125000030_create_periods', ...createPeriods },
  { name: '20261125000050_create_invoices', ...createInvoices },
  { name: '20261125000060_create_publisher_accruals_and_payouts', ...createPublisherAccrualsAndPayouts },
  { name: '20261125000040_create_checkout_tables', ...createCheckoutTables },
  { name: '20261125000070_set_based_debit', ...setBasedDebit },
  { name: '20261204000080_create_subscriptions', ...createSubscriptions },
  { name: '20261204000081_create_stripe_billing_catalog', ...createStripeBillingCatalog },
  { name: '20261204000082_create_auto_recharge', ...createAutoRecharge },
  { name: '20261204000083_create_collection', ...createCollection },
  { name: '20261204000090_create_audit_log', ...createAuditLog },
  { name: '20261204000100_create_holds', ...createHolds },
  { name: '20261204000101_debit_spends_available', ...debitSpendsAvailable },
  { name: '20261204000102_holds_agent_limit_and_sweep', ...holdsAgentLimitAndSweep },
  { name: '20261204000103_settle_capture_batch', ...settleCaptureBatch },
  { name: '20261204000104_settle_hold_batch', ...settleHoldBatch },
  { name: '20261204000110_create_outgoing_webhooks', ...createOutgoingWebhooks },
  { name: '20261204000111_debit_emits_alerts', ...debitEmitsAlerts },
  { name: '20261204000112_index_events_for_retention', ...indexEventsForRetention },
  { name: '20261204000120_coherent_catalog', ...coherentCatalog },
  { name: '20261204000130_price_models_per_minute_and_image', ...priceModelsPerMinuteAndImage },
  { name: '20261204000131_add_agent_markup', ...addAgentMarkup },
  { name: '20261204000132_index_usage_by_task', ...indexUsageByTask },
  { name: '20261204000140_create_token_packs', ...createTokenPacks },
  { name: '20261204000141_direct_purchase_payment_method', ...directPurchasePaymentMethod },
  { name: '20261204000150_create_usage_daily', ...createUsageDaily },
  { name: '20261204000160_report_token_overage', ...reportTokenOverage },
  { name: '20261204000180_debit_takes_model_tokens', ...debitTakesModelTokens },
  { name: '20261204000181_ledger_keys_only_when_given', ...ledgerKeysOnlyWhenGiven },
  { name: '20261204000182_usage_items_without_report_index', ...usageItemsWithoutReportIndex },
  { name: '20261204000183_index_grants_by_account', ...indexGrantsByAccount },
  { name: '20261204000190_breakdown_stored_once', ...breakdownStoredOnce },
  { name: '20261205000200_one_row_per_metered_call', ...oneRowPerMeteredCall },
  { name: '20261205000300_debit_loads_per_batch', ...debitLoadsPerBatch },
];
