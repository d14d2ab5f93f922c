import type { Knex } from 'knex';
import * as createAccountsAndKeys from './20261125000001_create_accounts_and_keys';
import * as createCatalog from './20261125000020_create_catalog';
import * as createLedger from './20261125000021_create_ledger';
import * as createCheckoutTables from './20261125000040_create_checkout_tables';

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
  { name: '20261125000040_create_checkout_tables', ...createCheckoutTables },
];
