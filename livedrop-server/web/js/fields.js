// Labelled form fields. Every control gets a unique id and a <label for> (what axe and
// screen readers need), and an optional hint tied to it with aria-describedby.

import { h } from './dom.js';

let count = 0;

/**
 * field('Email', { type: 'email', required: true }) → { input, element }.
 * `tag` may be 'textarea' or 'select' (then `options` is [[value, text], ...]).
 */
export function field(label, attributes = {}, { tag = 'input', hint, options } = {}) {
  const id = `field-${++count}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const input = h(tag, { id, 'aria-describedby': hintId, ...attributes },
    (options ?? []).map(([value, text]) => h('option', { value }, text)));
  const element = h('div', { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('p', { id: hintId, class: 'hint' }, hint) : null);
  return { input, element };
}
