/**
 * The handset half of the emulator page (src/serve/emulator-page.ts): the Enterprise Activation
 * screen. A {@link Handset} runs here, in the browser, and reaches the served simulator through the
 * relay at the page's own origin (`createRelayTransport`), as any browser handset would
 * (docs/transports.md, "In a browser"). The screen shows each status as the handset emits it
 * (its texts: src/handset/status.ts), the synchronization's progress per database, and, once
 * complete, the key's and the server's details (never the key).
 */
import { isActivationError } from '../errors/activation-error.js';
import { Handset } from '../handset/handset.js';
import type { ActivationResult } from '../handset/io.js';
import { databaseName } from '../handset/status.js';
import { createRelayTransport } from '../transport/http-relay-transport.js';

/** The elements of the screen, by id (emulator-page.ts). */
interface Screen {
  readonly form: HTMLFormElement;
  readonly email: HTMLInputElement;
  readonly password: HTMLInputElement;
  readonly activate: HTMLButtonElement;
  readonly status: HTMLElement;
  readonly log: HTMLOListElement;
  readonly sync: HTMLElement;
  readonly syncList: HTMLUListElement;
  readonly details: HTMLElement;
  readonly detailsList: HTMLDListElement;
  readonly pin: HTMLElement;
}

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as T;
}

/** A device PIN for this page: 8 hex digits, random, so that two open pages are two devices. */
function randomPin(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  // The first digit 2, as RIM's PINs began in this era (the facts file's example, 2100000A).
  bytes[0] = 0x20 | ((bytes[0] ?? 0) & 0x0f);
  return [...bytes]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
}

/** `text` as the only content of a new element. */
function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  if (text !== undefined) made.textContent = text;
  return made;
}

/** The screen's details once activated: the key's id and algorithm, the server (never the key). */
function showDetails(screen: Screen, result: ActivationResult): void {
  const rows: Array<[string, string]> = [
    ['Email', result.email],
    ['Key algorithm', result.keyAlgorithm],
    ['Key id', result.keyId],
    ['Server', result.server.name],
    ['SRP identifier', result.server.srp],
    ['Relay', result.server.relay],
    ['Server version', result.server.version],
  ];
  screen.detailsList.replaceChildren(...rows.flatMap(([term, value]) => [element('dt', term), element('dd', value)]));
  screen.details.hidden = false;
}

/** Replaces the value shown for `term` in the details (a rolled-over key's id and algorithm). */
function updateDetail(screen: Screen, term: string, value: string): void {
  for (const dt of Array.from(screen.detailsList.querySelectorAll('dt'))) {
    if (dt.textContent === term && dt.nextElementSibling !== null) dt.nextElementSibling.textContent = value;
  }
}

/** One progress bar per database, made at its first page, labelled with the database's name. */
function syncBar(screen: Screen, database: string): HTMLProgressElement {
  const id = `sync-${database}`;
  const found = document.getElementById(id);
  if (found instanceof HTMLProgressElement) return found;
  const item = element('li');
  const label = element('label');
  label.htmlFor = id;
  label.append(element('span', databaseName(database)), element('span'));
  const bar = element('progress');
  bar.id = id;
  item.append(label, bar);
  screen.syncList.append(item);
  screen.sync.hidden = false;
  return bar;
}

/**
 * Wires the screen: each Activate runs one activation with a new {@link Handset} of this page's
 * device (its PIN). A device that activated stays connected, as a handset in coverage does, so
 * that the administrator's commands reach it (a pushed IT policy, new service books, a key
 * rollover, a wipe) until the next Activate or the page closes; one that failed is closed.
 */
export function startHandsetView(): void {
  const screen: Screen = {
    form: byId('activate-form'),
    email: byId('email'),
    password: byId('password'),
    activate: byId('activate'),
    status: byId('status'),
    log: byId('status-log'),
    sync: byId('sync'),
    syncList: byId('sync-list'),
    details: byId('details'),
    detailsList: byId('details-list'),
    pin: byId('pin'),
  };
  const pin = randomPin();
  screen.pin.textContent = pin;

  const show = (text: string, kind?: 'failed' | 'complete'): void => {
    screen.status.textContent = text;
    screen.status.classList.toggle('failed', kind === 'failed');
    screen.status.classList.toggle('complete', kind === 'complete');
  };

  // While an activation runs the button says so (aria-disabled) but keeps the keyboard's focus:
  // a disabled button would drop it to the page's start.
  let running = false;
  screen.form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (running) return;
    const email = screen.email.value.trim();
    const password = screen.password.value;
    if (email === '' || password === '') {
      show('Enter the email address and the activation password', 'failed');
      (email === '' ? screen.email : screen.password).focus();
      return;
    }
    void activate(email, password);
  });

  /** The activated device, connected: closed before the next activation. */
  let connected: { readonly handset: Handset; readonly transport: { close(): Promise<void> } } | undefined;
  const disconnect = async (): Promise<void> => {
    const was = connected;
    connected = undefined;
    await was?.handset.close().catch(() => undefined);
    await was?.transport.close().catch(() => undefined);
  };
  addEventListener('pagehide', () => void disconnect());

  async function activate(email: string, password: string): Promise<void> {
    running = true;
    await disconnect();
    screen.activate.setAttribute('aria-disabled', 'true');
    screen.log.replaceChildren();
    screen.syncList.replaceChildren();
    screen.sync.hidden = true;
    screen.details.hidden = true;
    show('Activating');
    // What the transport meets while it keeps trying (a relay that refuses or has gone away): the
    // handset retries for over a minute before it fails, so the log says why it waits. The
    // messages are the transport's own fixed texts (the relay's words stay in `cause`); each is
    // shown once until the activation moves on, not at every retry of the transport's back-off.
    const relayProblems = new Set<string>();
    const transport = createRelayTransport({
      url: location.origin,
      address: `pin:${pin}`,
      mode: 'websocket',
      onError: (error) => {
        if (relayProblems.has(error.message)) return;
        relayProblems.add(error.message);
        screen.log.append(element('li', `Relay: ${error.message}`));
      },
    });
    let handset: Handset | undefined;
    let activated = false;
    try {
      handset = new Handset({
        // A device of the era the screen comes from: model and OS version are the server's to see
        // (the sealed ETP.DAT body), never the user's; these are ours.
        config: { pin, routing: { relay: location.host, uid: `U${pin}` }, device: { model: '9700', os: '6.0.0.141' } },
        transport,
      });
      handset.on('status', (status) => {
        relayProblems.clear(); // the relay carried a step: a problem met again is news again
        // Progress replaces itself on the screen and in its bar; every other status is kept in order.
        if (status.id !== 'synchronizing') screen.log.append(element('li', status.text));
        show(status.text, status.id === 'activation-failed' ? 'failed' : status.id === 'activation-complete' ? 'complete' : undefined);
      });
      handset.on('sync-progress', ({ database, received, total }) => {
        const bar = syncBar(screen, database);
        bar.max = Math.max(1, total);
        bar.value = received;
        const count = bar.previousElementSibling?.lastElementChild;
        if (count) count.textContent = `${received}/${total}`;
      });
      // After activation, what the server starts: ours to put in words (no source gives a handset's).
      const after = (text: string): void => {
        if (activated) screen.log.append(element('li', text));
      };
      handset.on('policy', ({ update }) => {
        if (update) after('IT policy updated');
      });
      handset.on('service-books', () => after('Service books updated'));
      handset.on('keyChanged', ({ keyId, algorithm }) => {
        after('Encryption key changed');
        updateDetail(screen, 'Key id', keyId);
        updateDetail(screen, 'Key algorithm', algorithm);
      });
      handset.on('wiped', () => {
        after('Device wiped');
        show('Device wiped');
        // Keys, books, IT policy and organizer data are gone (the `wiped` event): so are their panels.
        screen.details.hidden = true;
        screen.sync.hidden = true;
      });
      const result = await handset.activate({ email, password });
      activated = true;
      connected = { handset, transport };
      showDetails(screen, result);
      screen.password.value = '';
    } catch (err) {
      // The handset has shown its failure status; a failure before any (bad input) is shown here.
      if (!screen.status.classList.contains('failed'))
        show(isActivationError(err) ? `Activation failed: ${err.message}` : 'Activation failed', 'failed');
    } finally {
      if (!activated) {
        await handset?.close().catch(() => undefined);
        await transport.close().catch(() => undefined);
      }
      running = false;
      screen.activate.removeAttribute('aria-disabled');
    }
  }
}
