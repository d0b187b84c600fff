// A tiny element builder and the page-level helpers every view shares.
// Building nodes (never HTML strings) keeps user-supplied text out of the parser, which is
// what makes the strict CSP plus an in-memory access token safe; no framework is needed
// for a handful of views.

/**
 * h('a', { href: '#/', class: 'x', onclick: fn }, 'text', child, [more])
 * Attributes: `class`, `dataset` (object), `on<event>` (listener), booleans (true adds the
 * attribute, false/null/undefined leaves it out), anything else as a string attribute.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

/** Appends strings (as text), nodes and nested arrays; skips null/false. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** The view's main heading: focusable so the router can move focus to it. */
export function pageHeading(text) {
  return h('h1', { tabindex: '-1' }, text);
}

/** Sets the tab title the same way on every view. */
export function setPageTitle(text) {
  document.title = text ? `${text} · LiveDrop` : 'LiveDrop';
}

/** An element that hides its text from sight but not from screen readers. */
export function srOnly(text) {
  return h('span', { class: 'visually-hidden' }, text);
}

/** Whether an error only means "the view went away" (an aborted fetch). */
export function isAbort(error) {
  return error?.name === 'AbortError';
}
