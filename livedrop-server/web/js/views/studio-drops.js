// The studio's drop part: schedule a drop of the selected product, and watch every drop
// of the creator sell ("sold N of M"). Drops that can still change (upcoming, live, sold
// out: a cancellation restocks) follow their public stream; a browser keeps only about
// six connections per server, so only the newest few are streamed and the rest are read
// once.

import { api } from '../api.js';
import { productById } from '../catalog.js';
import { h } from '../dom.js';
import { pager } from '../pager.js';
import { newestFirst, watchDropStock } from '../drop-stream.js';
import { feedback } from '../feedback.js';
import { field } from '../fields.js';
import { statusWords, toLocalInputValue } from '../format.js';

const STREAMED_AT_MOST = 3;
const CHANGING = new Set(['scheduled', 'live', 'sold_out']);

/** A non-negative whole number from an input, or null when it is empty. */
function wholeNumber(input) {
  const text = input.value.trim();
  return text === '' ? null : Number.parseInt(text, 10);
}

export function dropsSection({ creator, signal }) {
  const closers = [];
  let product = null;
  let streamed = 0;

  // Scheduling a drop. `step=1` lets a start time carry seconds (a drop a minute away).
  const soon = new Date(Date.now() + 10 * 60_000);
  soon.setSeconds(0, 0);
  const startsAt = field('Starts at', { type: 'datetime-local', name: 'startAt', required: true, step: 1, value: toLocalInputValue(soon) });
  const endsAt = field('Ends at', {
    type: 'datetime-local', name: 'endAt', required: true, step: 1,
    value: toLocalInputValue(new Date(soon.getTime() + 24 * 3_600_000)),
  });
  const stock = field('Stock', { type: 'number', name: 'initialStock', required: true, min: 1, step: 1, inputmode: 'numeric' });
  const threshold = field('Low-stock threshold', { type: 'number', name: 'lowStockThreshold', min: 0, step: 1, inputmode: 'numeric' },
    { hint: 'Followers hear "almost gone" when stock falls to this. Empty means 0.' });
  const limit = field('Limit per buyer', { type: 'number', name: 'maxPerUser', min: 1, step: 1, inputmode: 'numeric' },
    { hint: 'Optional: the most units one buyer may order.' });
  const forWhat = h('p', { class: 'muted' }, 'Create or pick a product first.');
  const schedule = h('button', { type: 'submit', class: 'primary' }, 'Schedule drop');
  const fields = h('fieldset', { disabled: true },
    h('legend', {}, 'Drop details'),
    startsAt.element, endsAt.element, stock.element, threshold.element, limit.element, schedule);
  const scheduleResult = feedback();
  const form = h('form', { class: 'stack narrow', 'aria-labelledby': 'schedule-heading' },
    h('h2', { id: 'schedule-heading' }, 'Schedule a drop'), forWhat, fields, scheduleResult.element);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!product) return;
    scheduleResult.clear();
    const startAt = new Date(startsAt.input.value);
    const endAt = new Date(endsAt.input.value);
    if (Number.isNaN(startAt.getTime()) || Number.isNaN(endAt.getTime())) {
      scheduleResult.refuse('Enter when the drop starts and ends.');
      return;
    }
    const body = {
      productId: product.id,
      startAt: startAt.toISOString(),
      endAt: endAt.toISOString(),
      initialStock: wholeNumber(stock.input),
      lowStockThreshold: wholeNumber(threshold.input) ?? 0,
    };
    const maxPerUser = wholeNumber(limit.input);
    if (maxPerUser !== null) body.maxPerUser = maxPerUser;
    schedule.disabled = true;
    try {
      const drop = await api('/drops', { method: 'POST', body });
      scheduleResult.success('Drop scheduled. ', h('a', { href: `#/drops/${encodeURIComponent(drop.id)}` }, 'View drop'));
      list.prepend(row(drop, true));
      emptyNote.hidden = true;
    } catch (error) {
      scheduleResult.error(error);
    } finally {
      schedule.disabled = false;
    }
  });

  // The creator's drops and how each is selling.
  const list = h('ul', { id: 'studio-drops', class: 'rows' });
  const emptyNote = h('p', { class: 'muted', hidden: true }, 'No drops yet.');
  const listResult = feedback();

  /** A drop's row; a `fresh` one (just scheduled) has sold nothing and is always streamed. */
  function row(drop, fresh = false) {
    const title = h('a', { href: `#/drops/${encodeURIComponent(drop.id)}` }, 'Loading…');
    productById(drop.productId).then((product) => {
      title.textContent = product.title;
    }, () => {
      title.textContent = 'Untitled drop';
    });
    const status = h('span', { class: `status status-${drop.status}` }, statusWords(drop.status));
    const sold = h('span', { class: 'sold' }, fresh ? `sold 0 of ${drop.initialStock}` : 'reading stock…');
    const fresher = newestFirst();
    const show = (reading) => {
      if (!fresher(reading)) return;
      sold.textContent = `sold ${drop.initialStock - reading.available} of ${drop.initialStock}`;
      if (reading.status) {
        status.textContent = statusWords(reading.status);
        status.className = `status status-${reading.status}`;
      }
    };
    if (fresh || (CHANGING.has(drop.status) && streamed < STREAMED_AT_MOST)) {
      streamed += 1;
      closers.push(watchDropStock(drop.id, show));
    } else {
      api(`/drops/${encodeURIComponent(drop.id)}`, { signal }).then(
        (view) => show({ ...view.stock }),
        () => {
          sold.textContent = `${drop.initialStock} units`;
        },
      );
    }
    return h('li', { class: 'row', dataset: { dropId: drop.id } },
      h('div', { class: 'row-main' }, title, h('p', { class: 'muted' }, status, ' · ', sold)));
  }

  const pages = pager({
    path: `/api/creators/${encodeURIComponent(creator.id)}/drops`,
    limit: 20,
    signal,
    feedback: listResult,
    clearsFeedback: true,
    show: (items) => list.append(...items.map((drop) => row(drop))),
    showEmpty: () => { emptyNote.hidden = list.children.length > 0; },
  });
  pages.start();

  return {
    element: h('div', { class: 'stack' },
      form,
      h('section', { class: 'stack', 'aria-labelledby': 'studio-drops-heading' },
        h('h2', { id: 'studio-drops-heading' }, 'Your drops'), emptyNote, listResult.element, list,
        h('p', {}, pages.button))),
    /** The product new drops are of. */
    useProduct(selected) {
      product = selected;
      fields.disabled = false;
      forWhat.textContent = `Product: ${selected.title}`;
    },
    cleanup() {
      closers.forEach((close) => close());
    },
  };
}
