import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config/config';
import { invoiceSettingsFromConfig, type InvoiceSettings } from '../../src/invoices/invoice-settings';
import type { IssueInvoiceInput } from '../../src/invoices/issue-invoice.types';
import { api } from './api';

/** Seller and formats as the test stack's worker has them (default configuration). */
export function defaultInvoiceSettings(overrides: Partial<InvoiceSettings> = {}): InvoiceSettings {
  return { ...invoiceSettingsFromConfig(loadConfig({}, 'embedded')), ...overrides };
}

/** Number formats no other test uses, so a test sees a series start at 1. */
export function privateSeries(): Pick<InvoiceSettings, 'invoiceNumberFormat' | 'creditNoteNumberFormat'> {
  const tag = crypto.randomBytes(4).toString('hex').toUpperCase();
  return { invoiceNumberFormat: `T${tag}-INV-{year}-{seq:6}`, creditNoteNumberFormat: `T${tag}-CN-{year}-{seq:6}` };
}

export async function createAccount(name = 'Invoice Co'): Promise<{ id: string; key: string }> {
  const created = await api('POST', '/v1/admin/accounts', { key: 'admin', body: { name, email: 'owner@example.com' } });
  if (created.status !== 201) throw new Error(`account not created: ${created.text}`);
  return { id: created.body.id, key: created.body.api_key };
}

export const PROFILES = {
  frenchBusiness: { legal_name: 'Société Exemple SARL', email: 'compta@example.fr', address: { line1: '12 rue de la Paix', city: 'Paris', postal_code: '75002', country: 'FR' }, tax_id: 'FR 12 345678901' },
  frenchConsumer: { legal_name: 'Camille Martin', email: 'camille@example.fr', address: { line1: '3 avenue Foch', city: 'Lyon', postal_code: '69006', country: 'FR' } },
  germanConsumer: { legal_name: 'Jana Schulz', email: 'jana@example.de', address: { line1: 'Hauptstraße 5', city: 'München', postal_code: '80331', country: 'DE' } },
  usBusiness: { legal_name: 'Acme Inc.', email: 'ap@acme.example', address: { line1: '1 Market St', city: 'San Francisco', postal_code: '94105', country: 'US' }, tax_id: '12-3456789' },
} as const;

export async function putProfile(key: string, profile: object): Promise<void> {
  const response = await api('PUT', '/v1/billing/profile', { key, body: profile });
  if (response.status !== 200) throw new Error(`profile not stored: ${response.text}`);
}

export function purchaseInput(accountId: string, overrides: Partial<IssueInvoiceInput> = {}): IssueInvoiceInput {
  return {
    source: `purchase:pur_${crypto.randomBytes(8).toString('hex')}`,
    accountId,
    kind: 'invoice',
    currency: 'eur',
    lines: [{ description: 'Credit package Pro: 100 credits', quantity: 1, unitAmountMinor: 9000, amountMinor: 9000 }],
    paymentReference: 'pi_test_123',
    ...overrides,
  };
}

/** Reads a row straight from the database, bypassing every service. */
export async function invoiceRow(db: Knex, id: string): Promise<Record<string, any>> {
  return db('invoices').where({ id }).first();
}
