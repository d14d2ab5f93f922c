import { apiBlob, apiGet } from '../api-client';
import { browser } from '../browser';
import { formatDate, formatMoney } from '../format';
import { html } from '../html';
import type { Page } from '../page';

/** Invoices and credit notes; the PDF is fetched with the key (a plain link could not send it) and saved. */
interface Invoice {
  id: string;
  number: string;
  kind: string;
  status: string;
  issued_at: string | null;
  currency: string;
  total: number;
}

export const invoicesPage: Page = {
  path: 'invoices',
  label: 'Invoices',
  role: 'account',
  async render() {
    const invoices = await apiGet<{ data: Invoice[] }>('/v1/invoices?limit=100');
    if (invoices.data.length === 0) return html`<p class="empty">No invoices yet: one is issued for each paid purchase and each closed period with charges.</p>`;
    return html`<div class="table-wrap"><table>
<caption class="visually-hidden">Invoices, newest first</caption>
<thead><tr><th scope="col">Number</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Issued</th><th scope="col" class="num">Total</th><th scope="col">PDF</th></tr></thead>
<tbody>${invoices.data.map(
      (invoice) => html`<tr><td>${invoice.number}</td><td>${invoice.kind.replace('_', ' ')}</td><td>${invoice.status}</td><td>${formatDate(invoice.issued_at)}</td><td class="num">${formatMoney(invoice.total, invoice.currency)}</td>
<td><button type="button" data-action="pdf" data-id="${invoice.id}" data-number="${invoice.number}" aria-label="Download PDF of ${invoice.number}">Download PDF</button></td></tr>`,
    )}</tbody></table></div>`;
  },
  actions: {
    async pdf(ctx, button) {
      const blob = await apiBlob(`/v1/invoices/${encodeURIComponent(button.dataset.id ?? '')}/pdf`);
      const url = browser.URL.createObjectURL(blob);
      const link = browser.document.createElement('a');
      link.href = url;
      link.download = `${button.dataset.number ?? 'invoice'}.pdf`;
      browser.document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => browser.URL.revokeObjectURL(url), 60_000);
      ctx.announce(`Downloaded ${link.download}`);
    },
  },
};
