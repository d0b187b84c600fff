// The cursor-paged "Load more" loop the list views share. The API hands out a page at a
// time (`limit`, then the last page's `nextCursor`); this asks for the pages, gives each to
// the view to draw, and shows the "Load more" button only while there is a next page.
// Starting again (another tab, a stream reset) drops any answer still owed to the earlier
// start, so a page of the old list never lands in the new one.

import { api, withQuery } from './api.js';
import { h, isAbort } from './dom.js';

/**
 * pager({ path, query, limit, signal, feedback, clearsFeedback, show, showEmpty })
 * - query(): extra query parameters, read at each request (they may change between starts).
 * - show(items, first): draws a page; `first` is true for the first page of a start.
 * - showEmpty(): called when that first page has no items.
 * - feedback: where a failed load is reported. `clearsFeedback`: it reports nothing else,
 *   so each load clears the last failure (a shared one keeps other actions' messages).
 * Returns { button: the "Load more" button for the view to place, start(): (re)load from
 * the first page }.
 */
export function pager({ path, query = () => ({}), limit, signal, feedback, clearsFeedback = false, show, showEmpty }) {
  const button = h('button', { type: 'button', hidden: true }, 'Load more');
  let cursor = null;
  let starts = 0;

  async function load() {
    const thisStart = starts;
    const first = cursor === null;
    button.disabled = true;
    if (clearsFeedback) feedback.clear();
    try {
      const page = await api(withQuery(path, { ...query(), limit, cursor }), { signal });
      if (thisStart !== starts) return;
      show(page.items, first);
      if (first && page.items.length === 0) showEmpty?.();
      cursor = page.nextCursor;
      button.hidden = !cursor;
    } catch (error) {
      if (thisStart === starts && !isAbort(error)) feedback.error(error);
    } finally {
      if (thisStart === starts) button.disabled = false;
    }
  }

  button.addEventListener('click', load);
  return {
    button,
    start() {
      starts += 1;
      cursor = null;
      return load();
    },
  };
}
