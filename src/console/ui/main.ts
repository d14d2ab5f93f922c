import { ApiError, forgetKey, roleOf, storedKey, storeKey } from './api-client';
import { browser, element, type ConsoleElement } from './browser';
import { checkoutTarget } from './checkout-target';
import { html, type Html } from './html';
import type { Page, PageContext, Role } from './page';
import { accountDetailPage, accountsPage } from './views/admin-accounts';
import { closesPage } from './views/admin-closes';
import { deliveriesPage } from './views/admin-deliveries';
import { mismatchesPage } from './views/admin-mismatches';
import { payoutsPage } from './views/admin-payouts';
import { webhooksPage } from './views/admin-webhooks';
import { invoicesPage } from './views/customer-invoices';
import { overviewPage } from './views/customer-overview';
import { planPage } from './views/customer-plan';
import { transactionsPage } from './views/customer-transactions';
import { signInView } from './views/sign-in';

/** The console: sign in with a key, then one page per #/<path>, each drawn from the API. */
const PAGES: Page[] = [overviewPage, transactionsPage, invoicesPage, planPage, accountsPage, accountDetailPage, closesPage, payoutsPage, webhooksPage, deliveriesPage, mismatchesPage];
const ROLE_ITEM = 'settle.console.role';

const settings = JSON.parse(element('console-settings').textContent ?? '{}') as { temporal_ui_url: string | null; temporal_namespace: string };
let role: Role | null = (browser.sessionStorage.getItem(ROLE_ITEM) as Role | null) ?? null;
let current: { page: Page; ctx: PageContext; generation: number } | null = null;
let generation = 0;

const errorText = (error: unknown) => (error instanceof ApiError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error));

function showError(error: unknown): void {
  const alert = browser.document.getElementById('alert');
  if (alert) alert.innerHTML = html`<p class="error">${errorText(error)}</p>`.text;
}

function temporalUi(): string | null {
  return (browser.localStorage.getItem('settle.console.temporalUi') || settings.temporal_ui_url || '').replace(/\/+$/, '') || null;
}

function workflowLink(workflowId: string): Html {
  const base = temporalUi();
  if (!base) return html`<code>${workflowId}</code>`;
  const href = `${base}/namespaces/${encodeURIComponent(settings.temporal_namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return html`<a href="${href}" target="_blank" rel="noopener"><code>${workflowId}</code><span class="visually-hidden"> in the Temporal UI (opens a new tab)</span></a>`;
}

function pageFor(hash: string): { page: Page; params: string[] } {
  const path = hash.replace(/^#\/?/, '');
  const visible = PAGES.filter((page) => page.role === role);
  for (const page of visible) {
    if (page.path.endsWith('/') && path.startsWith(page.path) && path.length > page.path.length) {
      return { page, params: path.slice(page.path.length).split('/').map(decodeURIComponent) };
    }
    if (page.path === path) return { page, params: [] };
  }
  return { page: visible[0]!, params: [] };
}

function renderNav(active: Page | null): void {
  const nav = element('nav');
  const who = element('who');
  if (!role) {
    nav.innerHTML = '';
    who.innerHTML = '';
    return;
  }
  const links = PAGES.filter((page) => page.role === role && !page.hidden);
  const activePath = active?.hidden ? active.path.replace(/\/$/, '') : active?.path;
  nav.innerHTML = html`<ul>${links.map((page) => html`<li><a href="#/${page.path}" ${page.path === activePath ? html`aria-current="page"` : ''}>${page.label}</a></li>`)}</ul>`.text;
  who.innerHTML = html`<span class="muted">${role === 'admin' ? 'Finance ops' : 'Account'}</span> <button type="button" data-action="sign-out">Sign out</button>`.text;
}

function contextFor(page: Page, params: string[], mine: number): PageContext {
  const alive = () => generation === mine;
  const ctx: PageContext = {
    params,
    region(name, content) {
      if (!alive()) return;
      const target = element('main').querySelector(`[data-region="${name}"]`);
      if (target) target.innerHTML = content.text;
    },
    poll(ms, probe) {
      const tick = async () => {
        if (!alive()) return;
        let again = false;
        try {
          again = await probe();
        } catch (error) {
          showError(error);
        }
        if (again && alive()) setTimeout(() => void tick(), ms);
      };
      void tick();
    },
    announce(text) {
      element('announce').textContent = text;
    },
    refresh: () => show(page, params, false),
    workflowLink,
    go(checkoutUrl) {
      browser.location.assign(checkoutTarget(checkoutUrl, browser.location.origin));
    },
  };
  return ctx;
}

async function show(page: Page, params: string[], moveFocus: boolean): Promise<void> {
  const mine = ++generation;
  const ctx = contextFor(page, params, mine);
  current = { page, ctx, generation: mine };
  renderNav(page);
  const main = element('main');
  browser.document.title = `${page.label} · Settle console`;
  let body: Html;
  try {
    body = await page.render(ctx);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return signOut(errorText(error));
    body = html`<p class="error" role="alert">${errorText(error)}</p>`;
  }
  if (mine !== generation) return;
  main.innerHTML = html`<h1>${page.label}</h1><div id="alert" role="alert"></div>${body}`.text;
  if (moveFocus) main.focus();
}

function route(): void {
  if (!role || !storedKey()) {
    renderNav(null);
    element('main').innerHTML = signInView(null).text;
    return;
  }
  const { page, params } = pageFor(browser.location.hash);
  void show(page, params, true);
}

function signOut(reason: string | null): void {
  forgetKey();
  browser.sessionStorage.removeItem(ROLE_ITEM);
  role = null;
  generation += 1;
  renderNav(null);
  element('main').innerHTML = signInView(reason).text;
}

async function signIn(form: ConsoleElement): Promise<void> {
  const key = form.querySelector('[name="key"]')?.value.trim() ?? '';
  try {
    role = await roleOf(key);
  } catch (error) {
    element('main').innerHTML = signInView(error instanceof ApiError && error.status === 403 ? 'This key has no console (publisher keys use the API).' : errorText(error)).text;
    return;
  }
  storeKey(key);
  browser.sessionStorage.setItem(ROLE_ITEM, role);
  browser.location.hash = role === 'admin' ? '#/admin/accounts' : '#/overview';
  route();
}

async function dispatch(name: string, source: ConsoleElement): Promise<void> {
  if (name === 'sign-in') return signIn(source);
  if (name === 'sign-out') return signOut(null);
  const handler = current?.page.actions?.[name];
  if (!handler || !current) return;
  try {
    await handler(current.ctx, source);
  } catch (error) {
    if (source.disabled) source.disabled = false;
    showError(error);
  }
}

browser.document.addEventListener('submit', (event) => {
  const form = event.target?.closest('form[data-form]');
  if (!form) return;
  event.preventDefault();
  void dispatch(form.dataset.form ?? '', form);
});
browser.document.addEventListener('click', (event) => {
  const button = event.target?.closest('button[data-action]');
  if (button) void dispatch(button.dataset.action ?? '', button);
});
browser.addEventListener('hashchange', route);
route();
