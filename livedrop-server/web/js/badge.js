// The unread count on the Inbox link. It moves at once when the user stream brings a
// notification (so it feels live), then re-reads the server's count shortly after: the
// stream and the inbox are fed separately, and the inbox folds repeated stock notices of
// one drop into one, so only the server's count is the truth. It is also re-read when the
// stream (re)opens or resets, and after marking read.

import { api } from './api.js';

/** The event types the inbox stores (the only ones the user stream sends, too). */
export const NOTIFICATION_TYPES = new Set([
  'drop.started',
  'stock.low',
  'drop.sold_out',
  'drop.restocked',
  'order.confirmed',
  'order.cancelled',
]);

const RECONCILE_MS = 2_000;

let unread = 0;
let capped = false;
let readUpTo = null;
let reconcileTimer = null;
let generation = 0; // a sign-out or newer read makes older answers stale
const counted = new Set();

function render() {
  const badge = document.getElementById('unread-badge');
  if (!badge) return;
  const many = capped || unread > 99;
  badge.textContent = many ? '99+' : String(unread);
  badge.hidden = unread === 0 && !capped;
  const words = many ? 'More than 99' : String(unread);
  badge.setAttribute('aria-label', `${words} unread notification${unread === 1 && !many ? '' : 's'}`);
}

/** Reads the count from the server. */
export async function refreshUnread() {
  const mine = ++generation;
  clearTimeout(reconcileTimer);
  try {
    const answer = await api('/api/notifications/unread');
    if (mine !== generation) return;
    unread = answer.unread;
    capped = answer.capped;
    readUpTo = answer.readUpTo;
    render();
  } catch {
    // The badge keeps its last number; the next event or reconnect reads it again.
  }
}

/** A notification just arrived on the stream. */
export function noteNotification(event) {
  if (!event?.id || counted.has(event.id)) return; // delivery is at least once
  counted.add(event.id);
  if (counted.size > 500) counted.delete(counted.values().next().value);
  unread += 1;
  render();
  clearTimeout(reconcileTimer);
  reconcileTimer = setTimeout(refreshUnread, RECONCILE_MS);
}

/** The inbox was marked read up to `position` ({eventId, occurredAt}). */
export function markedRead(position) {
  readUpTo = position;
  unread = 0;
  capped = false;
  render();
  refreshUnread();
}

/** The read mark as last known ({eventId, occurredAt} or null). */
export const currentReadMark = () => readUpTo;

/** Signed out: nothing to count. */
export function clearUnread() {
  generation += 1;
  clearTimeout(reconcileTimer);
  unread = 0;
  capped = false;
  readUpTo = null;
  counted.clear();
  render();
}
