/** The console's HTML shell: landmarks and a skip link; the script fills `main`. */
export interface ConsolePageSettings {
  temporalUiUrl: string | null;
  temporalNamespace: string;
}

// JSON inside <script>: "<" escaped so no value can close the element.
const inlineJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export function renderConsolePage(settings: ConsolePageSettings): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Settle console</title>
<link rel="stylesheet" href="/console/console.css">
<script type="application/json" id="console-settings">${inlineJson({ temporal_ui_url: settings.temporalUiUrl, temporal_namespace: settings.temporalNamespace })}</script>
<script src="/console/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><p class="brand">Settle</p><nav id="nav" aria-label="Console sections"></nav><div id="who"></div></header>
<main id="main" tabindex="-1"><noscript>The console needs JavaScript. The API itself is documented at <a href="/docs">/docs</a>.</noscript></main>
<div id="announce" class="visually-hidden" role="status" aria-live="polite"></div>
</body></html>`;
}
