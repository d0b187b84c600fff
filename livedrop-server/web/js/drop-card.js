// One drop in a list (home page tabs, a creator's page): an <article class="drop-card">
// with the product's title as the link to the drop, its price, status and, while it is
// upcoming, a countdown. Cards render at once and fill in the product when it arrives, so
// a slow product read never holds back the list.

import { h } from './dom.js';
import { productById } from './catalog.js';
import { formatDateTime, formatPrice, statusWords } from './format.js';

/**
 * The card of `drop`. `countdowns` is the view's countdown set (format.js); `level` the
 * heading level that fits where the card sits.
 */
export function dropCard(drop, { countdowns, level = 2 }) {
  const link = h('a', { href: `#/drops/${encodeURIComponent(drop.id)}` }, 'Loading…');
  const price = h('p', { class: 'price' });
  const figure = h('div', { class: 'card-image' });
  const when = h('p', { class: 'muted' });
  const card = h(
    'article',
    { class: 'drop-card', dataset: { dropId: drop.id } },
    figure,
    h(`h${level}`, { class: 'card-title' }, link),
    price,
    h('p', {}, h('span', { class: `status status-${drop.status}` }, statusWords(drop.status))),
    when,
  );
  if (drop.status === 'scheduled') {
    const countdown = h('span', { class: 'countdown' });
    when.append(countdown);
    countdowns.add(countdown, drop.startAt);
  } else if (drop.status === 'live' || drop.status === 'sold_out') {
    when.textContent = `Ends ${formatDateTime(drop.endAt)}`;
  } else {
    when.textContent = `Ended ${formatDateTime(drop.endAt)}`;
  }
  productById(drop.productId).then(
    (product) => {
      link.textContent = product.title;
      price.textContent = formatPrice(product.priceCents, product.currencyCode);
      if (product.images?.[0]) {
        figure.append(
          h('img', { src: `/media/${product.images[0]}`, alt: '', loading: 'lazy', width: 320, height: 240 }),
        );
      }
    },
    () => {
      link.textContent = 'Untitled drop';
    },
  );
  return card;
}
