/**
 * The administrator half of the emulator page (src/serve/emulator-page.ts): the simulator's
 * accounts and their statuses, setting an activation password, the lifecycle commands, and the
 * events as they land. It calls the administrator's API of `serve --ui` (src/serve/admin-api.ts)
 * with the token `serve` printed at start, which the page takes from its address's fragment
 * (`#admin=<token>`: a fragment goes in no request, no log and no Referer) or from the token form.
 * It polls, once a second while the page is visible: the relay's endpoints answer requests, they
 * hold no streams.
 */

/** Where the API answers (ADMIN_API_PATH of admin-api.ts). */
const API = '/ui/api';
/** How often the view reads the accounts and the events (ms). */
const POLL_MS = 1000;

/** An account as the API lists it (AccountView of the simulator, the fields shown). */
interface Account {
  readonly email: string;
  readonly status: string;
  readonly failedAttempts: number;
  readonly devicePin?: string;
}

/** An event as the API gives it (FeedEvent of admin-api.ts), the fields shown. */
interface FeedEvent {
  readonly seq: number;
  readonly type: string;
  readonly at: number;
  readonly email?: string;
  readonly pin?: string;
  readonly command?: string;
  readonly reason?: string;
  readonly outcome?: string;
  readonly code?: string;
  readonly attempts?: number;
  readonly locked?: boolean;
}

/** An answer the API refused: its `{ error, message }`. */
class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as T;
}

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

/** One line of the event log, in words. */
function describe(event: FeedEvent): string {
  const time = new Date(event.at).toLocaleTimeString();
  const device = event.pin !== undefined ? ` (PIN ${event.pin})` : '';
  const who = event.email ?? '';
  switch (event.type) {
    case 'activation':
      return `${time} activation ${event.outcome ?? ''}${event.code !== undefined ? ` ${event.code}` : ''}${device}`;
    case 'admin-command':
      return `${time} command ${event.command ?? ''} for ${who}${device}`;
    case 'attempt-failed':
      return `${time} failed attempt ${event.attempts ?? ''} for ${who}${device}: ${event.reason ?? ''}${event.locked === true ? ', password locked' : ''}`;
    case 'device-retired':
      return `${time} device retired (${event.reason ?? ''}) for ${who}${device}`;
    case 'device-command-acknowledged':
      return `${time} device acknowledged ${event.command ?? ''} for ${who}${device}`;
    case 'key-rolled-over':
      return `${time} key rolled over (${event.reason ?? ''}) for ${who}${device}`;
    case 'etp-dat-refused':
      return `${time} activation request refused (${event.reason ?? ''})${device}`;
    default:
      return `${time} ${event.type}`;
  }
}

/** Wires the administrator's view (see the module comment). */
export function startAdminView(): void {
  const tokenForm = byId<HTMLFormElement>('token-form');
  const tokenInput = byId<HTMLInputElement>('token');
  const body = byId<HTMLElement>('admin-body');
  const search = byId<HTMLInputElement>('search');
  const count = byId<HTMLElement>('accounts-count');
  const rows = byId<HTMLTableSectionElement>('accounts');
  const emails = byId<HTMLDataListElement>('account-emails');
  const message = byId<HTMLElement>('admin-message');
  const tokenNote = byId<HTMLElement>('token-note');
  const events = byId<HTMLOListElement>('events');
  const passwordForm = byId<HTMLFormElement>('password-form');
  const commandForm = byId<HTMLFormElement>('command-form');

  let token = new URLSearchParams(location.hash.slice(1)).get('admin') ?? '';
  let lastEvent = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function call<T>(path: string, init?: { body: unknown }): Promise<T> {
    const response = await fetch(`${API}/${path}`, {
      method: init === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, ...(init !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init !== undefined ? { body: JSON.stringify(init.body) } : {}),
      cache: 'no-store',
    });
    const value = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
    if (!response.ok) throw new ApiError(value.error ?? String(response.status), value.message ?? 'the request failed');
    return value as T;
  }

  const say = (text: string, failed = false): void => {
    message.textContent = text;
    message.classList.toggle('failed', failed);
  };

  function showAccounts(list: { total: number; accounts: Account[] }): void {
    rows.replaceChildren(
      ...list.accounts.map((a) => {
        const tr = document.createElement('tr');
        tr.append(cell(a.email), cell(a.status), cell(String(a.failedAttempts)), cell(a.devicePin ?? '-'));
        return tr;
      }),
    );
    emails.replaceChildren(
      ...list.accounts.map((a) => {
        const option = document.createElement('option');
        option.value = a.email;
        return option;
      }),
    );
    count.textContent = `${list.accounts.length} of ${list.total} accounts shown${search.value.trim() !== '' ? ' (search)' : ''}`;
  }

  async function refresh(): Promise<void> {
    const [list, feed] = await Promise.all([
      call<{ total: number; accounts: Account[] }>(`accounts?q=${encodeURIComponent(search.value.trim())}`),
      call<{ events: FeedEvent[]; last: number; missed: number }>(`events?after=${lastEvent}`),
    ]);
    showAccounts(list);
    if (feed.missed > 0)
      events.append(Object.assign(document.createElement('li'), { textContent: `${feed.missed} older events not shown` }));
    for (const event of feed.events) events.append(Object.assign(document.createElement('li'), { textContent: describe(event) }));
    lastEvent = feed.last;
    if (events.parentElement !== null) events.parentElement.scrollTop = events.parentElement.scrollHeight;
  }

  /**
   * Polls while the page is visible; a refused token sends the view back to the token form. One
   * read at a time: a call meanwhile (a search, a command) asks for another read right after.
   */
  let reading = false;
  let again = false;
  function poll(): void {
    clearTimeout(timer);
    if (reading) {
      again = true;
      return;
    }
    if (document.hidden || body.hidden) return;
    reading = true;
    refresh()
      .then(() => {
        reading = false;
        if (again) {
          again = false;
          return poll();
        }
        timer = setTimeout(poll, POLL_MS);
      })
      .catch((err: unknown) => {
        reading = false;
        if (err instanceof ApiError && err.code === 'UNAUTHORIZED') return locked('The token was refused: enter the one serve printed.');
        say(err instanceof Error ? `The server did not answer: ${err.message}` : 'The server did not answer', true);
        timer = setTimeout(poll, POLL_MS * 5);
      });
  }

  function locked(note?: string): void {
    body.hidden = true;
    tokenForm.hidden = false;
    tokenNote.textContent = note ?? '';
  }

  function unlocked(): void {
    tokenForm.hidden = true;
    body.hidden = false;
    poll();
  }

  tokenForm.addEventListener('submit', (event) => {
    event.preventDefault();
    token = tokenInput.value.trim();
    tokenInput.value = '';
    tokenNote.textContent = '';
    unlocked();
  });
  search.addEventListener('input', () => poll());
  document.addEventListener('visibilitychange', () => poll());

  passwordForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(passwordForm);
    const email = String(data.get('email') ?? '').trim();
    const password = String(data.get('password') ?? '');
    const hours = Number(data.get('lifetime') ?? '48');
    call<{ account: Account }>('password', { body: { email, password, lifetimeHours: hours } })
      .then(({ account }) => {
        byId<HTMLInputElement>('new-password').value = '';
        say(`Activation password set for ${account.email}: ${account.status}`);
        poll();
      })
      .catch((err: unknown) => say(err instanceof Error ? `Not set: ${err.message}` : 'Not set', true));
  });

  commandForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(commandForm);
    const email = String(data.get('email') ?? '').trim();
    const command = String(data.get('command') ?? '');
    call<{ command: string; sent: boolean; account: Account }>('command', { body: { email, command } })
      .then((done) => {
        say(
          `${done.command} for ${done.account.email}: ${done.sent ? 'sent to the device' : 'carried out on the account'} (${done.account.status})`,
        );
        poll();
      })
      .catch((err: unknown) => say(err instanceof Error ? `Not done: ${err.message}` : 'Not done', true));
  });

  if (token === '') locked();
  else unlocked();
}
