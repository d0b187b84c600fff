// Where a view tells the user how things went: a role="alert" line for refusals and
// failures (assertive, in words from problems.js) and a role="status" line for successes
// (polite). Both exist, empty, from the start, so screen readers announce what is put in
// them later.

import { h } from './dom.js';
import { describeError } from './problems.js';

export function feedback(attributes = {}) {
  const status = h('p', { role: 'status', class: 'status-message' });
  const alert = h('p', { role: 'alert', class: 'alert' });
  const element = h('div', { class: 'feedback', ...attributes }, status, alert);
  return {
    element,
    /** Shows `error` in words; returns false when there was nothing to say (aborted). */
    error(error) {
      const words = describeError(error);
      if (!words) return false;
      status.replaceChildren();
      alert.textContent = words;
      return true;
    },
    /** Shows a refusal in the page's own words (a missing file; a spent link, with a link out). */
    refuse(...content) {
      status.replaceChildren();
      alert.replaceChildren(...content);
    },
    /** Shows a success (text or nodes). */
    success(...content) {
      alert.replaceChildren();
      status.replaceChildren(...content);
    },
    clear() {
      alert.replaceChildren();
      status.replaceChildren();
    },
  };
}
