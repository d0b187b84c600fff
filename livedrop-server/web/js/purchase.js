// Placing an order safely. One Idempotency-Key (crypto.randomUUID) per purchase attempt,
// i.e. per click of Buy: if the answer is lost (network error), the server fails (5xx) or
// the first try is still running (409 idempotency_key_in_flight), the SAME request is sent
// again with the SAME key, so the server places the order at most once and replays its
// first answer. A new key is only ever made by a new click.

import { api, ApiProblem } from './api.js';

const BACKOFF_MS = [300, 1_000, 2_000, 4_000];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function worthRetrying(error) {
  if (error instanceof ApiProblem) {
    return error.status >= 500 || error.code === 'idempotency_key_in_flight';
  }
  return error instanceof TypeError; // fetch throws TypeError when the network fails
}

/** Resolves to the confirmed Order; rejects with the refusal (ApiProblem) or last error. */
export async function placeOrder(dropId, qty) {
  const idempotencyKey = crypto.randomUUID();
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await api('/orders', {
        method: 'POST',
        headers: { 'Idempotency-Key': idempotencyKey },
        body: { dropId, qty },
      });
    } catch (error) {
      if (!worthRetrying(error) || attempt >= BACKOFF_MS.length) throw error;
      await sleep(BACKOFF_MS[attempt]);
    }
  }
}
