// A notification in words, e.g. "Ada's drop is live: Sneaker". Events carry ids only, so
// the creator's name and the product's title are looked up (shared, cached reads).

import { creatorName, dropTitle } from './catalog.js';

const units = (qty) => `${qty} ${qty === 1 ? 'unit' : 'units'}`;

/** Resolves to the sentence for `event` (an Event: {type, payload, creatorId, dropId}). */
export async function noticeText(event) {
  const [creator, title] = await Promise.all([
    creatorName(event.creatorId),
    event.dropId ? dropTitle(event.dropId) : Promise.resolve('a drop'),
  ]);
  const payload = event.payload ?? {};
  switch (event.type) {
    case 'drop.started':
      return `${creator}'s drop is live: ${title}`;
    case 'stock.low':
      return `Almost gone: ${payload.available} left of ${creator}'s ${title}`;
    case 'drop.sold_out':
      return `${creator}'s drop sold out: ${title}`;
    case 'drop.restocked':
      return `Back in stock: ${creator}'s ${title} (${payload.available} available)`;
    case 'order.confirmed':
      return `Order confirmed: ${units(payload.qty)} of ${title}`;
    case 'order.cancelled':
      return `Order cancelled: ${units(payload.qty)} of ${title}`;
    default:
      return `News from ${creator}: ${title}`;
  }
}
