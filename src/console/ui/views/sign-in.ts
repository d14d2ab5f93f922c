import { html } from '../html';

/** The key form: a customer's account key or the finance-ops admin key. */
export const signInView = (error: string | null) => html`<section class="sign-in" aria-labelledby="sign-in-h">
<h1 id="sign-in-h">Sign in to the Settle console</h1>
<form data-form="sign-in">
<label for="api-key">API key</label>
<input id="api-key" name="key" type="password" autocomplete="off" required spellcheck="false">
<p class="muted" id="api-key-hint">An account key shows that account's balance, usage, invoices and plan; the admin key shows finance operations. The key stays in this browser tab only.</p>
<button type="submit" class="primary">Sign in</button>
</form>
${error ? html`<p role="alert" class="error">${error}</p>` : ''}
</section>`;
