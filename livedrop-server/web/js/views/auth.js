// The sign-in views, #/login, #/signup and #/confirm: one form each, labelled fields, errors
// in words. Signing up takes two steps so that it never tells whether an email already has
// an account: #/signup asks for a name and an email and always answers "check your inbox";
// the emailed link opens #/confirm?token=..., where a password is chosen and the account
// made. After signing in the visitor goes back where they came from (`next`, a route of
// this app only, never another site) or to the drops.

import { append, h, pageHeading, setPageTitle } from '../dom.js';
import { feedback } from '../feedback.js';
import { field } from '../fields.js';
import { describeError } from '../problems.js';
import { confirmSignUp, signIn, signUp } from '../session.js';

// `next` outlives the trip through the mailbox (the link opens in a new tab, where
// sessionStorage starts empty): the sign-up form leaves it here for #/confirm.
const NEXT_KEY = 'livedrop-sign-up-next';
const TOKEN = /^[\w-]+\.[\w-]+\.[\w-]+$/;

let heldToken = ''; // the emailed link's, once read from the address (see confirmView)

function destination(next) {
  return next?.startsWith('/') && !next.startsWith('//') ? `#${next}` : '#/';
}

/** `path` with this route's query (so `next` survives a switch between the two forms). */
function keepingQuery(path) {
  const query = location.hash.split('?')[1];
  return query ? `${path}?${query}` : path;
}

/** Storage may be off (a locked-down browser): then `next` is simply not kept. */
function remember(value) {
  try {
    if (value) localStorage.setItem(NEXT_KEY, value);
    else localStorage.removeItem(NEXT_KEY);
  } catch {}
}

function recall() {
  try {
    return localStorage.getItem(NEXT_KEY);
  } catch {
    return null;
  }
}

/**
 * A form that calls `submit()`, then `done(answer)`. On failure `refused(error, result)` may
 * tell it in its own words and answer true when retrying cannot help (the button stays off);
 * otherwise the error is told as everywhere else.
 */
function authForm({ root, signal, title, intro, button, fields, submit, done, refused, other }) {
  setPageTitle(title);
  const result = feedback();
  const action = h('button', { type: 'submit', class: 'primary' }, button);
  const form = h(
    'form',
    { class: 'stack narrow' },
    fields.map((each) => each.element),
    action,
    result.element,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (action.disabled) return;
    action.disabled = true;
    result.clear();
    let answer;
    try {
      answer = await submit();
    } catch (error) {
      if (signal.aborted) return; // the visitor has moved on: nothing here to tell
      if (!refused?.(error, result)) {
        result.error(error);
        action.disabled = false;
      }
      return;
    }
    if (!signal.aborted) done(answer);
  });
  append(root, [pageHeading(title), intro && h('p', {}, intro), form, other && h('p', {}, other)]);
}

export function loginView({ root, query, signal }) {
  const email = field('Email', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = field('Password', {
    type: 'password', name: 'password', autocomplete: 'current-password', required: true,
  });
  authForm({
    root,
    signal,
    title: 'Log in',
    button: 'Log in',
    fields: [email, password],
    submit: () => signIn(email.input.value.trim(), password.input.value),
    done: () => {
      location.hash = destination(query.get('next'));
    },
    other: ['New here? ', h('a', { href: keepingQuery('#/signup') }, 'Create an account'), '.'],
  });
}

export function signupView({ root, query, signal }) {
  signupForm(root, query, signal, {});
}

/** The sign-up form, filled with `person` when the visitor comes back to correct it. */
function signupForm(root, query, signal, person) {
  const email = field('Email', {
    type: 'email', name: 'email', autocomplete: 'email', required: true, value: person.email,
  });
  const name = field('Name', {
    type: 'text', name: 'name', autocomplete: 'name', required: true, maxlength: 80, value: person.name,
  });
  authForm({
    root,
    signal,
    title: 'Sign up',
    intro: 'We will email you a link to choose your password.',
    button: 'Sign up',
    fields: [email, name],
    submit: () => signUp(email.input.value.trim(), name.input.value.trim()),
    done: ({ sentTo }) => {
      remember(query.get('next'));
      checkInbox(root, query, signal, { email: sentTo, name: name.input.value });
    },
    other: ['Already have an account? ', h('a', { href: keepingQuery('#/login') }, 'Use it here'), '.'],
  });
}

/**
 * What every sign-up hears, whether or not the address has an account (its owner gets an
 * email saying so instead of a link): the page never tells who is registered.
 */
function checkInbox(root, query, signal, person) {
  setPageTitle('Check your inbox');
  const heading = pageHeading('Check your inbox');
  const again = h('button', { type: 'button', class: 'link-button' }, 'sign up again');
  again.addEventListener('click', () => {
    root.replaceChildren();
    signupForm(root, query, signal, person);
    root.querySelector('input')?.focus();
  });
  root.replaceChildren(
    heading,
    h('p', {}, 'We sent an email to ', h('strong', { id: 'sent-to' }, person.email), '.'),
    h('p', {}, 'Open the link in it within 24 hours to choose your password and finish signing up.'),
    h('p', { class: 'muted' }, 'Nothing after a few minutes? Look in your spam folder, or ', again, ' to correct the address.'),
  );
  heading.focus(); // the page changed under the button: start reading at its new heading
}

export function confirmView({ root, query, signal }) {
  // The token opens the new account: out of the address bar, and so out of the history, as
  // soon as it is read. This page's memory keeps it for a re-render or a step back here;
  // a reload asks for the link again (it works until it is used).
  if (query.has('token')) {
    heldToken = query.get('token');
    history.replaceState(history.state, '', '#/confirm');
  }
  const token = heldToken;
  if (!TOKEN.test(token)) {
    setPageTitle('Choose a password');
    root.append(
      pageHeading('Choose a password'),
      h('p', {}, 'This page needs the link from your sign-up email: open it from there again, or ',
        h('a', { href: '#/signup' }, 'ask for a new one'), '.'),
    );
    return;
  }
  const password = field('Password', {
    type: 'password', name: 'password', autocomplete: 'new-password', required: true,
    minlength: 8, maxlength: 128,
  }, { hint: '8 to 128 characters.' });
  authForm({
    root,
    signal,
    title: 'Choose a password',
    intro: 'One step left: choose the password you will log in with.',
    button: 'Create account',
    fields: [password],
    submit: () => confirmSignUp(token, password.input.value),
    done: () => {
      heldToken = '';
      const next = recall();
      remember(null);
      location.hash = destination(next);
    },
    // A spent or dead link cannot be mended here: say so and show the way out.
    refused: (error, result) => {
      if (error.code === 'already_exists') {
        result.refuse('This link was already used: ', h('a', { href: '#/login' }, 'sign in instead'), '.');
      } else if (error.code === 'invalid_registration_token') {
        result.refuse(describeError(error), ' ', h('a', { href: '#/signup' }, 'Sign up again'), ' for a new one.');
      } else {
        return false;
      }
      heldToken = '';
      return true;
    },
  });
}
