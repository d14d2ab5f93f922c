import type { ConsoleElement } from './browser';
import { html, type Html } from './html';

/** One console section: its address (#/<path>), who sees it, how it renders and what its buttons do. */
export type Role = 'account' | 'admin';

export interface PageContext {
  /** Hash segments after the page's path, e.g. the account id of #/admin/accounts/<id>. */
  params: string[];
  /** Replaces the content of the element with `data-region="<name>"` (the rest of the page, forms included, stays). */
  region(name: string, content: Html): void;
  /** Calls `probe` every `ms` while it returns true and the page is still shown. */
  poll(ms: number, probe: () => Promise<boolean>): void;
  /** Tells screen readers what changed (a live region). */
  announce(text: string): void;
  /** Renders the page again, e.g. after a retry changed its rows. */
  refresh(): Promise<void>;
  /** A link to the workflow in the Temporal UI when its address is known, else the id as code. */
  workflowLink(workflowId: string): Html;
  /** Sends the tab to a checkout page (Stripe's, or the local payment page). */
  go(checkoutUrl: string): void;
}

export type Handler = (ctx: PageContext, source: ConsoleElement) => Promise<void>;

export interface Page {
  path: string;
  label: string;
  role: Role;
  /** Not in the navigation (e.g. an account's detail, reached from the list). */
  hidden?: boolean;
  render(ctx: PageContext): Promise<Html>;
  /** `data-action="<name>"` buttons and `data-form="<name>"` forms of this page. */
  actions?: Record<string, Handler>;
}

/** A form field's current value (the forms are the page's own markup, so a missing field is a bug). */
export function field(form: ConsoleElement, name: string): string {
  const input = form.querySelector(`[name="${name}"]`);
  if (!input) throw new Error(`form has no field ${name}`);
  return input.value.trim();
}

export const region = (name: string, content: Html | string = '') => html`<div data-region="${name}">${content}</div>`;

/** "Page 2 of 5" with previous/next buttons that move `offset` by `limit`; `countKnown: false` for lists that answer no total. */
export function pager(meta: { total: number; limit: number; offset: number }, action: string, countKnown = true): Html {
  if (meta.total <= meta.limit) return html``;
  const page = Math.floor(meta.offset / meta.limit) + 1;
  const pages = Math.max(1, Math.ceil(meta.total / meta.limit));
  return html`<nav class="pager" aria-label="Pages">
<button type="button" data-action="${action}" data-offset="${Math.max(0, meta.offset - meta.limit)}" ${page <= 1 ? 'disabled' : ''}>Previous</button>
<span>Page ${page}${countKnown ? ` of ${pages} (${meta.total})` : ''}</span>
<button type="button" data-action="${action}" data-offset="${meta.offset + meta.limit}" ${page >= pages ? 'disabled' : ''}>Next</button></nav>`;
}
