// The site header's moving parts: which links show for a signed-in user (name, Log out)
// or a visitor (Log in, Sign up), and which link is the current page (aria-current).
// The header itself is static markup in index.html, so it is there before any script.

import { signOut } from './session.js';

export function setUpHeader() {
  const logout = document.getElementById('logout');
  logout?.addEventListener('click', async () => {
    logout.disabled = true;
    try {
      await signOut();
    } finally {
      logout.disabled = false;
    }
  });
}

/** Shows the parts of the header for `user` (null: signed out). */
export function showUser(user) {
  for (const element of document.querySelectorAll('[data-when]')) {
    element.hidden = (element.dataset.when === 'signed-in') !== Boolean(user);
  }
  const whoami = document.getElementById('whoami');
  if (whoami) whoami.textContent = user ? user.name : '';
}

/** Marks the nav link of `path` (e.g. "/orders") as the current page. */
export function markCurrent(path) {
  for (const link of document.querySelectorAll('.site-nav a[href^="#/"]')) {
    const target = link.getAttribute('href').slice(1);
    const current = target === '/' ? path === '/' || path.startsWith('/drops/') : path.startsWith(target);
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}
