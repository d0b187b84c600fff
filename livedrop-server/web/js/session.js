// Who is signed in, and the access token, held in this module's memory only.
// The refresh token lives in an HttpOnly cookie the page never sees (scoped to
// /api/auth/web), so nothing long-lived is readable by scripts; a reload asks `refresh`
// for a fresh access token. Refreshes are serialized across tabs with a Web Lock because
// spending the same refresh token twice at once would make the server revoke the sign-in.

import { ApiProblem, problemFrom } from './http.js';

const REFRESH_EARLY_MS = 60_000;
const RETRY_MS = 15_000;

let user = null;
let accessToken = null;
let expiresAtLocal = 0; // the token's expiry on this device's clock
let refreshTimer = null;
let refreshing = null;
const listeners = new Set();
const otherTabs = 'BroadcastChannel' in self ? new BroadcastChannel('livedrop-session') : null;

export const currentUser = () => user;
export const currentAccessToken = () => accessToken;

/** Calls `listener(user)` whenever the signed-in user changes (null: signed out). */
export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** One POST to a web sign-in route: its JSON `answer` and the server's clock (null for a 204). */
async function post(path, body) {
  const init = { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await problemFrom(response);
  if (response.status === 204) return null;
  const serverNow = Date.parse(response.headers.get('date') ?? '');
  return { answer: await response.json(), serverNow };
}

function adopt({ answer: session, serverNow }) {
  const changed = user?.id !== session.user.id;
  user = session.user;
  accessToken = session.accessToken;
  // Measured against the server's Date header, so a device clock that is off does not
  // make every call refresh first (or none of them).
  const remaining = Date.parse(session.accessTokenExpiresAt) - (Number.isFinite(serverNow) ? serverNow : Date.now());
  expiresAtLocal = Date.now() + (Number.isFinite(remaining) ? remaining : 15 * 60_000);
  scheduleRefresh(expiresAtLocal - REFRESH_EARLY_MS - Date.now());
  if (changed) notify();
}

function scheduleRefresh(delay) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => refreshSession(), Math.max(delay, 5_000));
}

function notify() {
  for (const listener of [...listeners]) listener(user);
}

/** Forgets the sign-in here (the server already ended it, or this tab just did). */
export function endSessionLocally() {
  clearTimeout(refreshTimer);
  const had = user !== null;
  user = null;
  accessToken = null;
  expiresAtLocal = 0;
  if (had) notify();
}

async function refreshOnce() {
  try {
    adopt(await post('/api/auth/web/refresh'));
    return true;
  } catch (error) {
    if (error instanceof ApiProblem && (error.status === 401 || error.status === 403)) {
      endSessionLocally(); // no live session: simply signed out
      return false;
    }
    // Offline or the server is struggling: keep the token while it lasts, try again soon.
    if (user) scheduleRefresh(error.retryAfter ? error.retryAfter * 1000 : RETRY_MS);
    return user !== null && Date.now() < expiresAtLocal;
  }
}

/** A fresh access token from the cookie; true when signed in afterwards. One at a time. */
export function refreshSession() {
  refreshing ??= (navigator.locks?.request
    ? navigator.locks.request('livedrop-refresh', refreshOnce)
    : refreshOnce()
  ).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** Refreshes first when the token is about to lapse (timers sleep in background tabs). */
export async function ensureFreshToken() {
  if (user && Date.now() > expiresAtLocal - 30_000) await refreshSession();
  return accessToken;
}

export async function signIn(email, password) {
  adopt(await post('/api/auth/web/login', { email, password }));
  otherTabs?.postMessage('signed-in');
}

/**
 * Asks for a sign-up link by email: `{ sentTo }`. The answer is the same whether or not the
 * address has an account (only the email differs), and nobody is signed in yet.
 */
export async function signUp(email, name) {
  return (await post('/api/auth/web/register', { email, name })).answer;
}

/** Follows the emailed link: the account is made with `password`, and signed in. */
export async function confirmSignUp(token, password) {
  adopt(await post('/api/auth/web/register/confirm', { token, password }));
  otherTabs?.postMessage('signed-in');
}

export async function signOut() {
  try {
    await post('/api/auth/web/logout');
  } catch {
    // Signed out here regardless; the cookie is HttpOnly, so the server is the only one
    // who could remove it, and it ends with its refresh token's lifetime anyway.
  } finally {
    endSessionLocally();
    otherTabs?.postMessage('signed-out');
  }
}

/** Start-up: one refresh finds out whether a sign-in is on. */
export async function startSession() {
  otherTabs?.addEventListener('message', ({ data }) => {
    if (data === 'signed-out') endSessionLocally();
    else if (data === 'signed-in' && !user) refreshSession();
  });
  await refreshSession();
  return user;
}
