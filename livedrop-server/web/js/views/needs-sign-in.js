// What a members-only view shows to a signed-out visitor: its heading and a way in that
// comes back here afterwards (the route travels as `next`).

import { h, pageHeading, setPageTitle } from '../dom.js';

export function signInPrompt(root, title, reason) {
  setPageTitle(title);
  const next = encodeURIComponent(location.hash.slice(1) || '/');
  root.append(
    pageHeading(title),
    h(
      'p',
      {},
      `${reason} `,
      // Worded unlike the header's "Log in"/"Sign up" links so each link's name is unique.
      h('a', { href: `#/login?next=${next}` }, 'Continue with your account'),
      ' or ',
      h('a', { href: `#/signup?next=${next}` }, 'create one'),
      '.',
    ),
  );
}
