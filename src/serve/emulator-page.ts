/**
 * The emulator page of `enterprise-activation serve --ui` (issue 16): a handset's Enterprise
 * Activation screen beside an administrator's view of the simulator. The page is static: this
 * HTML and CSS, and a script built from the library for browsers (src/ui/emulator.ts, bundled by
 * tsup.config.ts into `dist/ui/emulator.js`), which runs the handset in the browser against this
 * server's relay (same origin) and calls the administrator's API (admin-api.ts).
 *
 * Served with a strict content security policy: the page's own script and style only, requests
 * to its own origin only (the relay and the API), no frames, no forms posted anywhere.
 */
import { readFileSync } from 'node:fs';
import { ActivationError } from '../errors/activation-error.js';
import type { RelayEndpoint, RelayEndpointAnswer } from '../node/relay-server.js';

/** Where the page is served. */
export const PAGE_PATH = '/ui';

/** The headers of every answer of the page: a strict CSP, no sniffing, no framing, no referrer. */
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * The page. The screen's two fields and its Activate action are RIM's (the user "types the email
 * address and the activation password, and chooses Activate": the facts file, "What the handset
 * shows"); the labels' exact wording, the layout and everything of the administrator's view are ours.
 */
const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Enterprise Activation emulator</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${PAGE_PATH}/emulator.css">
<script src="${PAGE_PATH}/emulator.js" defer></script>
</head>
<body>
<header class="top">
  <h1>Enterprise Activation emulator</h1>
  <p>A handset, running in this browser, activates against this server's BES simulator over its relay.</p>
</header>
<main class="panes">
  <section class="handset" aria-labelledby="handset-title">
    <div class="device">
      <p class="device-brand" aria-hidden="true">BlackBerry</p>
      <div class="screen">
        <h2 id="handset-title" class="screen-title">Enterprise Activation</h2>
        <form id="activate-form" class="activate-form" novalidate>
          <label for="email">Email:</label>
          <input id="email" name="email" type="email" autocomplete="off" spellcheck="false" required>
          <label for="password">Password:</label>
          <input id="password" name="password" type="password" autocomplete="off" required>
          <button id="activate" type="submit">Activate</button>
        </form>
        <h3 class="screen-label" id="status-title">Status</h3>
        <p id="status" class="status" role="status" aria-labelledby="status-title">Not activated</p>
        <ol id="status-log" class="status-log" aria-label="Statuses so far"></ol>
        <section id="sync" class="sync" aria-labelledby="sync-title" hidden>
          <h3 id="sync-title" class="screen-label">Synchronization</h3>
          <ul id="sync-list" class="sync-list"></ul>
        </section>
        <section id="details" class="details" aria-labelledby="details-title" hidden>
          <h3 id="details-title" class="screen-label">Key and server</h3>
          <dl id="details-list"></dl>
        </section>
        <p class="pin">Device PIN <span id="pin">-</span></p>
      </div>
    </div>
  </section>
  <section class="admin" aria-labelledby="admin-title">
    <h2 id="admin-title">Administrator</h2>
    <form id="token-form" class="stack" hidden>
      <p>The administrator's view needs the token <code>serve --ui</code> printed at start (or open the page address it printed).</p>
      <label for="token">Administrator token</label>
      <input id="token" name="token" type="password" autocomplete="off" required>
      <button type="submit">Use token</button>
      <p id="token-note" class="admin-message failed" role="status"></p>
    </form>
    <div id="admin-body" hidden>
      <h3 id="accounts-title">Accounts</h3>
      <label for="search">Search accounts</label>
      <input id="search" name="search" type="search" autocomplete="off" spellcheck="false">
      <p id="accounts-count" class="note"></p>
      <div class="table-wrap" role="region" aria-labelledby="accounts-title" tabindex="0">
        <table>
          <thead><tr><th scope="col">Email</th><th scope="col">Status</th><th scope="col">Failed attempts</th><th scope="col">Device PIN</th></tr></thead>
          <tbody id="accounts"></tbody>
        </table>
      </div>
      <datalist id="account-emails"></datalist>
      <h3 id="password-title">Set an activation password</h3>
      <form id="password-form" class="stack" aria-labelledby="password-title">
        <label for="password-email">Email</label>
        <input id="password-email" name="email" type="email" list="account-emails" autocomplete="off" spellcheck="false" required>
        <label for="new-password">Activation password</label>
        <input id="new-password" name="password" type="password" autocomplete="new-password" minlength="8" required aria-describedby="new-password-hint">
        <p id="new-password-hint" class="note">At least 8 characters. Valid for 48 hours unless you say otherwise.</p>
        <label for="lifetime">Valid for (hours)</label>
        <input id="lifetime" name="lifetime" type="number" min="0" max="720" step="1" value="48" inputmode="numeric">
        <button type="submit">Set password</button>
      </form>
      <h3 id="command-title">Lifecycle commands</h3>
      <form id="command-form" class="stack" aria-labelledby="command-title">
        <label for="command-email">Email</label>
        <input id="command-email" name="email" type="email" list="account-emails" autocomplete="off" spellcheck="false" required>
        <label for="command">Command</label>
        <select id="command" name="command">
          <option value="expire-activation-password">Expire the activation password</option>
          <option value="regenerate-key">Regenerate the encryption key</option>
          <option value="resend-service-books">Resend the service books</option>
          <option value="resend-it-policy">Resend the IT policy</option>
          <option value="wipe">Delete all device data and disable the device</option>
        </select>
        <button type="submit">Send command</button>
      </form>
      <p id="admin-message" class="admin-message" role="status"></p>
      <h3 id="events-title">Events</h3>
      <div class="events" role="log" aria-labelledby="events-title" tabindex="0"><ol id="events"></ol></div>
    </div>
  </section>
</main>
</body>
</html>
`;

const PAGE_CSS = `:root { color-scheme: light; --ink: #1a1a1a; --muted: #4a4a4a; --accent: #0b4f8a; --focus: #c75000; --bad: #a4000f; --good: #0a6b2e; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #eef1f4; }
h1 { font-size: 1.35rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 0 0 .75rem; }
h3 { font-size: 1rem; margin: 1.25rem 0 .5rem; }
.top { padding: 1rem 1rem .5rem; }
.top p { margin: 0; color: var(--muted); }
.panes { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 21rem), 1fr)); gap: 1rem; padding: 1rem; align-items: start; max-width: 72rem; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
input, select, button { font: inherit; }
input, select { width: 100%; padding: .45rem .5rem; border: 1px solid #6b6b6b; border-radius: 4px; background: #fff; color: var(--ink); }
button { padding: .5rem 1rem; border: 1px solid var(--accent); border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; min-height: 44px; }
button[aria-disabled="true"] { background: #6b6b6b; border-color: #6b6b6b; cursor: progress; }
.device { background: #1f1f1f; border-radius: 28px; padding: .75rem .75rem 1.5rem; max-width: 26rem; margin: 0 auto; box-shadow: 0 6px 18px rgba(0,0,0,.25); }
.device-brand { color: #d8d8d8; text-align: center; margin: 0 0 .5rem; font-size: .85rem; letter-spacing: .2em; }
.screen { background: #f7f7f2; border-radius: 6px; padding: 0 0 .75rem; overflow-wrap: anywhere; }
.screen-title { background: linear-gradient(#24558f, #153a66); color: #fff; margin: 0; padding: .45rem .75rem; font-size: 1rem; border-radius: 6px 6px 0 0; }
.activate-form { display: grid; gap: .25rem; padding: .75rem .75rem 0; }
.activate-form button { margin-top: .5rem; justify-self: start; }
.screen-label { font-size: .85rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 1rem .75rem .25rem; }
.status { margin: 0 .75rem; padding: .5rem; background: #fff; border: 1px solid #c8c8c8; border-radius: 4px; font-weight: 600; min-height: 2.5rem; }
.status.failed { color: var(--bad); border-color: var(--bad); }
.status.complete { color: var(--good); border-color: var(--good); }
.status-log { margin: .5rem .75rem 0; padding-left: 1.5rem; color: var(--muted); font-size: .9rem; }
.sync-list { list-style: none; margin: 0 .75rem; padding: 0; display: grid; gap: .35rem; }
.sync-list label { display: flex; justify-content: space-between; font-size: .9rem; }
.sync-list progress { width: 100%; height: .75rem; }
.details dl { margin: 0 .75rem; display: grid; grid-template-columns: auto 1fr; gap: .2rem .75rem; font-size: .9rem; }
.details dt { font-weight: 600; }
.details dd { margin: 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.pin { margin: 1rem .75rem 0; font-size: .85rem; color: var(--muted); }
.admin { background: #fff; border-radius: 8px; padding: 1rem; box-shadow: 0 1px 4px rgba(0,0,0,.12); min-width: 0; }
.stack { display: grid; gap: .3rem; }
.stack button { justify-self: start; margin-top: .35rem; }
.note { color: var(--muted); font-size: .9rem; margin: .25rem 0; }
.table-wrap { overflow-x: auto; max-height: 18rem; border: 1px solid #d0d0d0; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e2e2e2; white-space: nowrap; }
thead th { position: sticky; top: 0; background: #f0f3f6; }
.admin-message { min-height: 1.5rem; font-weight: 600; }
.admin-message.failed { color: var(--bad); }
.events { font-size: .85rem; max-height: 16rem; overflow-y: auto; overflow-wrap: anywhere; border: 1px solid #d0d0d0; border-radius: 4px; }
.events ol { margin: .25rem 0; padding-left: 1.75rem; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
`;

/** The error of a build without the page's script: `serve --ui` refuses to start with it. */
function notBuilt(): ActivationError {
  return new ActivationError('UNSUPPORTED', "the emulator page's script (ui/emulator.js) is not in this build: run `npm run build`", {
    operation: 'serve --ui',
  });
}

/**
 * The page's script, as the build left it: `ui/emulator.js` beside the chunk this code is bundled
 * in (dist/, as run-fleet.ts finds its worker). From the sources (tests, `tsx`), the build's
 * dist/ui/emulator.js is used, when there is one.
 */
export function readEmulatorScript(): string {
  // Literal URLs, one per place: tools that follow a package's files (test/package) see them.
  const places = [new URL('./ui/emulator.js', import.meta.url), new URL('../../dist/ui/emulator.js', import.meta.url)];
  for (const place of places) {
    try {
      return readFileSync(place, 'utf8');
    } catch {
      // not here: the next place
    }
  }
  throw notBuilt();
}

function page(contentType: string, body: string): RelayEndpointAnswer {
  return { contentType, body, headers: PAGE_HEADERS };
}

/**
 * The page's endpoints (`GET` only): `/ui`, `/ui/emulator.css` and `/ui/emulator.js`. `script` is
 * the page's script ({@link readEmulatorScript}), read once at start. Rejects nothing: the page
 * holds no secret (the administrator's token stays in the address the operator opens).
 */
export function emulatorPageEndpoints(script: string): Readonly<Record<string, RelayEndpoint>> {
  return {
    [PAGE_PATH]: () => page('text/html; charset=utf-8', PAGE_HTML),
    [`${PAGE_PATH}/emulator.css`]: () => page('text/css; charset=utf-8', PAGE_CSS),
    [`${PAGE_PATH}/emulator.js`]: () => page('text/javascript; charset=utf-8', script),
  };
}
