import type { Knex } from 'knex';
import * as createAccountsAndKeys from './20261125000001_create_accounts_and_keys';
import * as createInvoices from './20261125000050_create_invoices';

export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Every migration, oldest first. Append new ones at the end. */
export const migrations: Migration[] = [
  { name: '20261125000001_create_accounts_and_keys', ...createAccountsAndKeys },
  { name: '20261125000050_create_invoices', ...createInvoices },
];
