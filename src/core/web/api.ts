// The dashboard's API client: reads go with the session cookie of a signed-in user (the browser
// sends it; the page never sees it), else ask for a token once (kept in localStorage), unless the
// hub runs in demo mode, where reads need none. On a hub with sign-in, a refused read without a
// token points at the sign-in button instead of asking for a token.
import { $ } from './dom.js';

const TOKEN_KEY = 'ci-intel-token';

let demo = false;
let signIn = false;

/** Set by the shell from GET /api/v1/pillars: the hub offers sign-in through its provider. */
export function setSignIn(on: boolean): void {
  signIn = on;
}

/** Set by the shell from GET /api/v1/pillars: a demo hub answers reads without a token. */
export function setDemo(on: boolean): void {
  demo = on;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** GETs an API path as JSON; on 401/403 asks for a token and tries again; other errors throw HttpError. */
export async function api<T = any>(path: string): Promise<T> {
  return (await fetchOk(path)).json() as Promise<T>;
}

/** GETs an API path as text (a stored log), with the same token handling as api(). */
export async function apiText(path: string): Promise<string> {
  return (await fetchOk(path)).text();
}

/** POSTs a JSON body (the SQL page's query); same token handling and errors as api(). */
export async function apiPost(path: string, body: unknown): Promise<Response> {
  return fetchOk(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

async function fetchOk(path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  const token = localStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, { ...init, headers: { ...init.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  if (res.status === 401 || res.status === 403) {
    const body = await res
      .clone()
      .json()
      .catch(() => ({}));
    // A refused SQL statement is a 403 about the query, not the caller: no token would change it.
    if (body?.error?.code === 'E_SQL_REFUSED') throw new HttpError(res.status, body.error.message);
    if (signIn && !token) throw new HttpError(res.status, `${body?.error?.message ?? 'not signed in'}: sign in (top right) to see this hub's data`);
    if (!demo || token) {
      await askToken(body?.error?.message ?? `the hub answered ${res.status}`);
      return fetchOk(path, init);
    }
  }
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new HttpError(res.status, body?.error?.message ?? `${path}: ${res.status}`);
  }
  return res;
}

function askToken(reason: string): Promise<void> {
  const dlg = $<HTMLDialogElement>('#token-dialog');
  const form = $<HTMLFormElement>('#token-form');
  $('#token-error').textContent = localStorage.getItem(TOKEN_KEY) ? reason : '';
  localStorage.removeItem(TOKEN_KEY);
  return new Promise((resolve) => {
    form.onsubmit = (e) => {
      e.preventDefault();
      const v = (form.elements.namedItem('token') as HTMLInputElement).value.trim();
      if (!v) return;
      localStorage.setItem(TOKEN_KEY, v);
      dlg.close();
      resolve();
    };
    if (!dlg.open) dlg.showModal();
  });
}
