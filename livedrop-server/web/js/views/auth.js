// The sign-in views, #/login and #/signup: one form each, labelled fields, errors in words.
// After signing in the visitor goes back where they came from (`next`, a route of this
// app only, never another site) or to the drops.

import { h, pageHeading, setPageTitle } from '../dom.js';
import { feedback } from '../feedback.js';
import { field } from '../fields.js';
import { signIn, signUp } from '../session.js';

function destination(query) {
  const next = query.get('next') ?? '';
  return next.startsWith('/') && !next.startsWith('//') ? `#${next}` : '#/';
}

/** `path` with this route's query (so `next` survives a switch between the two forms). */
function keepingQuery(path) {
  const query = location.hash.split('?')[1];
  return query ? `${path}?${query}` : path;
}

function authForm({ root, query, title, button, fields, submit, other }) {
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
    try {
      await submit();
      location.hash = destination(query);
    } catch (error) {
      result.error(error);
      action.disabled = false;
    }
  });
  root.append(pageHeading(title), form, h('p', {}, other));
}

export function loginView({ root, query }) {
  const email = field('Email', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = field('Password', {
    type: 'password', name: 'password', autocomplete: 'current-password', required: true,
  });
  authForm({
    root,
    query,
    title: 'Log in',
    button: 'Log in',
    fields: [email, password],
    submit: () => signIn(email.input.value.trim(), password.input.value),
    other: ['New here? ', h('a', { href: keepingQuery('#/signup') }, 'Create an account'), '.'],
  });
}

export function signupView({ root, query }) {
  const email = field('Email', { type: 'email', name: 'email', autocomplete: 'email', required: true });
  const name = field('Name', { type: 'text', name: 'name', autocomplete: 'name', required: true, maxlength: 80 });
  const password = field('Password', {
    type: 'password', name: 'password', autocomplete: 'new-password', required: true,
    minlength: 8, maxlength: 128,
  }, { hint: '8 to 128 characters.' });
  authForm({
    root,
    query,
    title: 'Sign up',
    button: 'Sign up',
    fields: [email, name, password],
    submit: () => signUp(email.input.value.trim(), name.input.value.trim(), password.input.value),
    other: ['Already have an account? ', h('a', { href: keepingQuery('#/login') }, 'Use it here'), '.'],
  });
}
