// Boot and routing. The app lives on hash routes (#/drops/{id}) because the server owns
// real paths like /drops/{id} for its API. Each route's view draws into <main> and returns
// a cleanup that stops its streams and timers; an AbortController cancels its pending
// reads. After a navigation, focus moves to the view's <h1> so keyboard and screen-reader
// users start at the new content.

import { clearUnread, noteNotification, NOTIFICATION_TYPES, refreshUnread } from './badge.js';
import { h, pageHeading, setPageTitle } from './dom.js';
import { markCurrent, setUpHeader, showUser } from './header.js';
import { currentUser, onSessionChange, startSession } from './session.js';
import { onUserEvent, startUserEvents } from './user-events.js';
import { confirmView, loginView, signupView } from './views/auth.js';
import { creatorView } from './views/creator.js';
import { dropView } from './views/drop.js';
import { dropsView } from './views/drops.js';
import { inboxView } from './views/inbox.js';
import { ordersView } from './views/orders.js';
import { studioView } from './views/studio.js';

const ROUTES = [
  [/^\/$/, dropsView],
  [/^\/drops\/([^/]+)$/, dropView],
  [/^\/creators\/([^/]+)$/, creatorView],
  [/^\/orders$/, ordersView],
  [/^\/inbox$/, inboxView],
  [/^\/studio$/, studioView],
  [/^\/login$/, loginView],
  [/^\/signup$/, signupView],
  [/^\/confirm$/, confirmView],
];

function notFoundView({ root }) {
  setPageTitle('Page not found');
  root.append(pageHeading('Page not found'), h('p', {}, 'Nothing lives at this address. ', h('a', { href: '#/' }, 'See the drops'), '.'));
}

const main = document.getElementById('main');
let cleanup = null;
let controller = null;
let rendered = false;

/** The route in the address: #/drops/abc?x=1 → { path: '/drops/abc', query }. */
function currentRoute() {
  const hash = location.hash.startsWith('#/') ? location.hash.slice(1) : '/';
  const [path, search = ''] = hash.split('?');
  return { path: path || '/', query: new URLSearchParams(search) };
}

function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function render() {
  try {
    cleanup?.();
  } catch (error) {
    console.error('view cleanup failed', error);
  }
  controller?.abort();
  controller = new AbortController();
  const { path, query } = currentRoute();
  let view = notFoundView;
  let params = {};
  for (const [pattern, candidate] of ROUTES) {
    const match = pattern.exec(path);
    if (match) {
      view = candidate;
      params = { id: match[1] ? safeDecode(match[1]) : undefined };
      break;
    }
  }
  main.replaceChildren();
  cleanup = view({ root: main, params, query, signal: controller.signal }) ?? null;
  markCurrent(path);
  // The first page load leaves focus at the top (the skip link comes first); later
  // renders are navigations, so focus goes to the new heading.
  if (rendered) main.querySelector('h1')?.focus();
  rendered = true;
}

let stopUserEvents = null;

function followSession(user) {
  showUser(user);
  stopUserEvents?.();
  stopUserEvents = null;
  clearUnread();
  if (user) {
    stopUserEvents = startUserEvents();
    refreshUnread();
  }
}

onUserEvent((event) => {
  if (event.type === 'open' || event.type === 'reset') refreshUnread();
  else if (NOTIFICATION_TYPES.has(event.type)) noteNotification(event.data);
});

// Only a route's own address (#/...) is a navigation; #main is the skip link.
window.addEventListener('hashchange', () => {
  if (location.hash === '' || location.hash.startsWith('#/')) render();
});

document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  (main.querySelector('h1') ?? main).focus();
});

setUpHeader();
const user = await startSession();
followSession(user);
onSessionChange((changed) => {
  followSession(changed);
  const { path } = currentRoute();
  // The sign-in forms move on by themselves once signed in.
  if (!(changed && ['/login', '/signup', '/confirm'].includes(path))) render();
});
render();
