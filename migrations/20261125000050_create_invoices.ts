import type { Knex } from 'knex';

/**
 * Invoices: billing profiles (the buyer), tax rates (admin-managed, EU standard rates seeded),
 * invoices and credit notes with gapless numbers from one counter row per series, and their PDFs.
 * A finalized invoice never changes: triggers refuse updates and deletes, and PDFs are insert-only.
 */

// EU standard VAT rates in basis points (as of 2025-08); admins keep them current with
// PUT /v1/admin/tax-rates/:country. Outside the EU no rate is seeded (0 % unless configured).
const EU_STANDARD_RATES_BP: Record<string, number> = {
  AT: 2000, BE: 2100, BG: 2000, CY: 1900, CZ: 2100, DE: 1900, DK: 2500, EE: 2400, ES: 2100,
  FI: 2550, FR: 2000, GR: 2400, HR: 2500, HU: 2700, IE: 2300, IT: 2200, LT: 2100, LU: 1700,
  LV: 2100, MT: 1800, NL: 2100, PL: 2300, PT: 2300, RO: 2100, SE: 2500, SI: 2200, SK: 2300,
};

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('billing_profiles', (t) => {
    t.text('account_id').primary().references('accounts.id').comment('one profile per account');
    t.text('legal_name').notNullable().comment('name printed on invoices');
    t.text('email').notNullable().comment('billing contact');
    t.text('address_line1').notNullable();
    t.text('address_line2').nullable();
    t.text('city').notNullable();
    t.text('postal_code').notNullable();
    t.text('country').notNullable().comment('ISO 3166-1 alpha-2, upper case');
    t.text('tax_id').nullable().comment('VAT/GST id, normalised (upper case, no spaces); present = business buyer');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('tax_rates', (t) => {
    t.text('country').primary().comment('ISO 3166-1 alpha-2, upper case');
    t.integer('rate_bp').notNullable().comment('basis points of the net amount: 1900 = 19 %');
    t.text('name').notNullable().comment('label of the tax line, e.g. VAT');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('alter table tax_rates add constraint tax_rates_rate_range check (rate_bp between 0 and 10000)');
  await knex('tax_rates').insert(Object.entries(EU_STANDARD_RATES_BP).map(([country, rate_bp]) => ({ country, rate_bp, name: 'VAT' })));

  await knex.schema.createTable('invoice_number_series', (t) => {
    t.text('series').primary().comment('the number format with its year filled in, e.g. INV-2026-{seq:6}');
    t.bigInteger('last_seq').notNullable().comment('last number taken; advanced by one inside each finalizing transaction');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('alter table invoice_number_series add constraint invoice_number_series_positive check (last_seq >= 1)');

  await knex.schema.createTable('invoices', (t) => {
    t.text('id').primary().comment('inv_…');
    t.text('account_id').notNullable().references('accounts.id');
    t.text('kind').notNullable().comment('invoice | credit_note');
    t.text('status').notNullable().defaultTo('draft').comment('draft | finalized');
    t.text('source').notNullable().unique().comment('business key: purchase:<pur>, period:<acct>:<YYYY-MM>, refund:<id>, void:<inv>');
    t.text('request_hash').notNullable().comment('sha256 of the issuing request; the same source with another request is refused');
    t.text('currency').notNullable().comment('ISO 4217, lower case');
    t.jsonb('lines').notNullable().comment('[{description, quantity, unit_amount_minor, amount_minor}], net unless tax_inclusive');
    t.boolean('tax_inclusive').notNullable().defaultTo(false).comment('line amounts already include the tax (a gross amount that was charged)');
    t.text('payment_reference').nullable().comment('printed on the document, e.g. the purchase or payment id');
    t.text('corrects_invoice_id').nullable().references('invoices.id').comment('credit notes: the invoice they correct');
    t.text('series').nullable().comment('numbering series, set at finalization');
    t.bigInteger('seq').nullable().comment('position in the series, set at finalization');
    t.text('number').nullable().unique().comment('e.g. INV-2026-000001, set at finalization');
    t.bigInteger('subtotal_minor').nullable().comment('net amount, minor units');
    t.bigInteger('tax_minor').nullable().comment('tax amount, minor units (half-up rounded once)');
    t.bigInteger('total_minor').nullable().comment('gross amount, minor units');
    t.jsonb('tax_snapshot').nullable().comment('seller, buyer, countries, tax id, rate, rule, note, amounts: frozen at finalization');
    t.timestamp('issued_at', { useTz: true }).nullable().comment('finalization time = date of issue');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['series', 'seq']);
    t.index(['account_id', 'created_at']);
    t.index(['corrects_invoice_id']);
  });
  await knex.raw(`alter table invoices
    add constraint invoices_kind check (kind in ('invoice', 'credit_note')),
    add constraint invoices_status check (status in ('draft', 'finalized')),
    add constraint invoices_currency check (currency ~ '^[a-z]{3}$'),
    add constraint invoices_credit_note_corrects check ((kind = 'credit_note') = (corrects_invoice_id is not null)),
    add constraint invoices_finalized_complete check (status = 'draft' or (
      series is not null and seq is not null and number is not null and subtotal_minor is not null
      and tax_minor is not null and total_minor is not null and tax_snapshot is not null and issued_at is not null))`);

  await knex.schema.createTable('invoice_documents', (t) => {
    t.text('invoice_id').primary().references('invoices.id').comment('one PDF per finalized invoice');
    t.binary('content').notNullable().comment('the PDF bytes, served as stored (never re-rendered)');
    t.text('sha256').notNullable().comment('hex sha256 of content');
    t.integer('byte_size').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // A finalized invoice is frozen: only a draft may change (once, to finalized) or be deleted.
  await knex.raw(`
    create function invoices_refuse_finalized_change() returns trigger language plpgsql as $$
    begin
      if OLD.status = 'finalized' then
        raise exception 'invoice % (%) is finalized and cannot be changed; issue a credit note', OLD.id, OLD.number
          using errcode = 'integrity_constraint_violation';
      end if;
      if TG_OP = 'DELETE' then return OLD; end if;
      return NEW;
    end $$`);
  await knex.raw(`create trigger invoices_frozen before update or delete on invoices
    for each row execute function invoices_refuse_finalized_change()`);

  // PDFs are written once, for finalized invoices only, and never changed.
  await knex.raw(`
    create function invoice_documents_guard() returns trigger language plpgsql as $$
    begin
      if TG_OP = 'INSERT' then
        if not exists (select 1 from invoices where id = NEW.invoice_id and status = 'finalized') then
          raise exception 'invoice % is not finalized: no document yet', NEW.invoice_id using errcode = 'integrity_constraint_violation';
        end if;
        return NEW;
      end if;
      raise exception 'invoice documents are insert-only' using errcode = 'integrity_constraint_violation';
    end $$`);
  await knex.raw(`create trigger invoice_documents_insert_only before insert or update or delete on invoice_documents
    for each row execute function invoice_documents_guard()`);

  // Counters only ever step forward by one; a rolled-back step is undone with its transaction.
  await knex.raw(`
    create function invoice_number_series_step_by_one() returns trigger language plpgsql as $$
    begin
      if TG_OP = 'DELETE' or NEW.last_seq <> OLD.last_seq + 1 or NEW.series <> OLD.series then
        raise exception 'invoice number series % only advances by one', OLD.series using errcode = 'integrity_constraint_violation';
      end if;
      return NEW;
    end $$`);
  await knex.raw(`create trigger invoice_number_series_gapless before update or delete on invoice_number_series
    for each row execute function invoice_number_series_step_by_one()`);

  await knex.raw(`
    create function invoices_refuse_truncate() returns trigger language plpgsql as $$
    begin
      raise exception '% holds issued documents and cannot be truncated', TG_TABLE_NAME using errcode = 'integrity_constraint_violation';
    end $$`);
  for (const table of ['invoices', 'invoice_documents', 'invoice_number_series']) {
    await knex.raw(`create trigger ${table}_no_truncate before truncate on ${table} for each statement execute function invoices_refuse_truncate()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['invoice_documents', 'invoices', 'invoice_number_series', 'tax_rates', 'billing_profiles']) {
    await knex.schema.dropTableIfExists(table);
  }
  for (const fn of ['invoices_refuse_finalized_change', 'invoice_documents_guard', 'invoice_number_series_step_by_one', 'invoices_refuse_truncate']) {
    await knex.raw(`drop function if exists ${fn}()`);
  }
}
