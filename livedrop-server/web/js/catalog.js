// Products, creators and drops by id, fetched once per page life and shared by every
// view: a drop list, an inbox or an order list names many of the same products, and the
// API's /api/* reads are cached server-side too, so a short memory here costs nothing in
// freshness that matters (titles, names and prices rarely change; stock never comes
// from here).

import { api } from './api.js';

const TTL_MS = 5 * 60_000;
const memory = new Map();

function remembered(path) {
  const hit = memory.get(path);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
  const value = api(path);
  memory.set(path, { at: Date.now(), value });
  value.catch(() => memory.delete(path)); // a failure is not worth remembering
  return value;
}

export const productById = (id) => remembered(`/api/products/${encodeURIComponent(id)}`);
export const creatorById = (id) => remembered(`/api/creators/${encodeURIComponent(id)}`);
/** The drop's fixed facts (product, creator, window); its status may lag: use /drops/{id}. */
export const dropFactsById = (id) => remembered(`/api/drops/${encodeURIComponent(id)}`);

/** Records what this tab itself just created or changed (no need to ask for it). */
export function rememberProduct(product) {
  memory.set(`/api/products/${encodeURIComponent(product.id)}`, {
    at: Date.now(),
    value: Promise.resolve(product),
  });
}

/** The product title of a drop, or a neutral stand-in when it cannot be read. */
export async function dropTitle(dropId) {
  try {
    const drop = await dropFactsById(dropId);
    return (await productById(drop.productId)).title;
  } catch {
    return 'a drop';
  }
}

export async function creatorName(creatorId) {
  try {
    return (await creatorById(creatorId)).displayName;
  } catch {
    return 'A creator';
  }
}
