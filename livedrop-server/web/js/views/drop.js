// #/drops/{id}: one drop, its live stock and the Buy button.
// The authoritative read (GET /drops/{id}) draws the page; the drop's public stream then
// moves the status and the available number the moment each update arrives (no batching:
// a buyer watching the last units needs them now). Buying follows purchase.js: one key per
// click, retried safely. The stream and the countdown stop when the view goes away.

import { api } from '../api.js';
import { creatorById, productById } from '../catalog.js';
import { h, isAbort, pageHeading, setPageTitle } from '../dom.js';
import { newestFirst, watchDropStock } from '../drop-stream.js';
import { feedback } from '../feedback.js';
import { countdowns, formatDateTime, formatPrice, statusWords } from '../format.js';
import { placeOrder } from '../purchase.js';
import { currentUser } from '../session.js';

const MAX_QTY = 10; // the API's largest order

export function dropView({ root, params, signal }) {
  const dropId = params.id;
  const heading = pageHeading('Loading drop…');
  const page = feedback();
  root.append(heading, page.element);
  setPageTitle('Drop');

  const timers = countdowns();
  const fresher = newestFirst();
  const state = { status: null, available: null, drop: null, product: null, buying: false };
  let ui = null; // the drawn page, once the reads are in
  let startCheck = null;

  // Opened before the reads so no update is missed; applied once the page is drawn.
  const closeStream = watchDropStock(dropId, (tick) => apply(tick));

  function apply(reading) {
    if (!fresher(reading)) return;
    state.available = reading.available;
    if (reading.status) state.status = reading.status;
    if (ui) update();
  }

  function update() {
    const { status, available, drop } = state;
    ui.status.textContent = statusWords(status);
    ui.status.className = `status status-${status}`;
    ui.available.textContent = String(available);
    const upcoming = status === 'scheduled';
    ui.countdownLine.hidden = !upcoming;
    if (upcoming) timers.add(ui.countdown, drop.startAt);
    else timers.stop();
    const signedIn = currentUser() !== null;
    const onSale = status === 'live' && available > 0;
    ui.buy.disabled = !signedIn || !onSale || state.buying;
    const largest = Math.max(1, Math.min(MAX_QTY, available || 1, drop.maxPerUser ?? MAX_QTY));
    for (const option of ui.qty.options) option.disabled = Number(option.value) > largest;
    if (Number(ui.qty.value) > largest) ui.qty.value = String(largest);
  }

  async function load() {
    try {
      const view = await api(`/drops/${encodeURIComponent(dropId)}`, { signal });
      const [product, creator] = await Promise.all([
        productById(view.drop.productId),
        creatorById(view.drop.creatorId).catch(() => null),
      ]);
      if (signal.aborted) return;
      state.drop = view.drop;
      state.product = product;
      state.status ??= view.drop.status;
      draw(product, creator);
      apply({ ...view.stock, status: view.stock.status ?? view.drop.status });
      update();
    } catch (error) {
      if (isAbort(error) || signal.aborted) return;
      heading.textContent = error?.status === 404 || error?.status === 400 ? 'Drop not found' : 'Drop unavailable';
      setPageTitle(heading.textContent);
      page.error(error);
    }
  }

  function draw(product, creator) {
    const { drop } = state;
    heading.textContent = product.title;
    setPageTitle(product.title);
    const qtyId = 'buy-qty';
    ui = {
      status: h('span', { id: 'drop-status' }),
      countdown: h('span', { id: 'drop-countdown' }),
      available: h('span', { id: 'drop-available' }),
      qty: h('select', { id: qtyId, name: 'qty' },
        Array.from({ length: MAX_QTY }, (_, index) => h('option', { value: index + 1 }, String(index + 1)))),
      buy: h('button', { type: 'submit', id: 'buy', class: 'primary' }, 'Buy now'),
    };
    ui.countdownLine = h('p', { class: 'countdown-line' }, ui.countdown);
    const result = feedback({ id: 'buy-result' });
    const form = h('form', { class: 'buy-form', 'aria-label': 'Buy' },
      h('div', { class: 'field inline' }, h('label', { for: qtyId }, 'Quantity'), ui.qty),
      ui.buy);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      buy(result);
    });
    const signedOut = currentUser() === null;
    const next = encodeURIComponent(`/drops/${dropId}`);
    const image = product.images?.[0]
      ? h('img', { id: 'drop-image', src: `/media/${product.images[0]}`, alt: product.title, width: 640, height: 480 })
      : null;
    const limit = drop.maxPerUser ? `Limit ${drop.maxPerUser} per buyer.` : null;
    root.append(h('div', { class: 'drop-layout' },
      image ? h('div', { class: 'drop-media' }, image) : null,
      h('div', { class: 'drop-info stack' },
        h('p', { id: 'drop-price', class: 'price large' }, formatPrice(product.priceCents, product.currencyCode)),
        creator
          ? h('p', {}, 'By ', h('a', { href: `#/creators/${encodeURIComponent(creator.id)}` }, creator.displayName))
          : null,
        h('p', {}, 'Status: ', ui.status),
        ui.countdownLine,
        h('p', { class: 'stock-line' }, h('span', { class: 'stock-number' }, ui.available), ` of ${drop.initialStock} available`),
        h('p', { class: 'muted' }, `${formatDateTime(drop.startAt)} to ${formatDateTime(drop.endAt)}. `, limit),
        product.description ? h('p', { class: 'description' }, product.description) : null,
        form,
        signedOut ? h('p', {}, h('a', { href: `#/login?next=${next}` }, 'Log in to buy')) : null,
        result.element)));
    // When the countdown runs out the stream says "live"; if it is late, read the drop again.
    startCheck = setInterval(() => {
      if (state.status === 'scheduled' && Date.now() > Date.parse(drop.startAt) + 3_000) refreshStock();
    }, 3_000);
  }

  async function refreshStock() {
    try {
      const view = await api(`/drops/${encodeURIComponent(dropId)}`, { signal });
      apply({ ...view.stock, status: view.stock.status ?? view.drop.status });
    } catch {
      // The stream remains the main source; this was only a safety net.
    }
  }

  async function buy(result) {
    if (state.buying || ui.buy.disabled) return;
    const qty = Number(ui.qty.value) || 1;
    state.buying = true;
    update();
    result.success('Placing your order…');
    try {
      await placeOrder(dropId, qty);
      if (signal.aborted) return;
      result.success(
        `Order confirmed: ${qty} × ${state.product.title}. `,
        h('a', { href: '#/orders' }, 'See your orders'),
      );
      refreshStock();
    } catch (error) {
      if (signal.aborted) return;
      if (!result.error(error)) result.clear();
      if (['sold_out', 'drop_not_live', 'insufficient_stock'].includes(error?.code)) refreshStock();
    } finally {
      state.buying = false;
      if (!signal.aborted) update();
    }
  }

  load();
  return () => {
    closeStream();
    timers.stop();
    clearInterval(startCheck);
  };
}
