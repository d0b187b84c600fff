// buyers.mjs: the other buyers, who register and order over the API (api.mjs) while the fan
// watches the drop page: each order's answer is timed against the moment the fan's page shows
// the new stock (result.stockLatencyMs).

import { whenNumberShown } from './measure.mjs';
import { check, log, show, sleep } from './support.mjs';
import { PASSWORD, api, result, runId } from './run.mjs';
import { use } from './pages.mjs';

const ORDER_SPACING_MS = 700;

export async function registerBuyers(count) {
  const buyers = [];
  for (let i = 1; i <= count; i += 1) {
    const person = { email: `buyer${i}-${runId}@example.com`, name: `Buyer ${i}`, password: PASSWORD };
    const { user, accessToken } = await api.register(person);
    buyers.push({ ...person, id: user.id, token: accessToken });
  }
  log(`  ${count} buyers registered over the API`);
  return buyers;
}

/** One buyer's API order, then how long until the fan's page shows `expected` units left. */
export async function orderAndTime(fan, buyer, drop, expected) {
  const answer = await api.placeOrder(buyer.token, drop.id);
  check(answer.status === 201, `${buyer.email}'s order answered ${answer.status}: ${show(answer.body)}`);
  const shown = await whenNumberShown(fan.page, 'drop-available', expected, answer.sentAt, { timeout: 5000 });
  const latency = shown.at - answer.receivedAt;
  result.stockLatencyMs.push(latency);
  log(`  ${buyer.name}: 201 after ${answer.receivedAt - answer.sentAt} ms; the fan's page showed ${shown.text} ${latency} ms after the answer`);
  return answer;
}

export async function buyersOrder(fan, buyers, drop, firstExpected) {
  use(fan);
  let expected = firstExpected;
  for (const [index, buyer] of buyers.entries()) {
    const answer = await orderAndTime(fan, buyer, drop, expected);
    expected -= 1;
    if (index < buyers.length - 1) await sleep(Math.max(0, ORDER_SPACING_MS - (Date.now() - answer.sentAt)));
  }
}
