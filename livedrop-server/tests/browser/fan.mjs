// fan.mjs: the fan's steps: follow the creator, watch the drop count down and go live, buy it
// with the keyboard through a network failure, then the order on the server and in My orders,
// the sold-out drop page, the inbox and the creator's page.

import { recordTextChanges } from './measure.mjs';
import { check, log, show, waitUntil } from './support.mjs';
import { STOCK, api, options, result } from './run.mjs';
import { atLeast, expectCount, expectText, navLink, openRoute, unreadCount, use } from './pages.mjs';
import { screenshot, visit } from './audit.mjs';
import { orderAndTime } from './buyers.mjs';

export async function follow(fan, creatorId, displayName) {
  const page = use(fan);
  await openRoute(page, `#/creators/${creatorId}`);
  await expectText(page, 'h1', displayName);
  await expectText(page, '#follow', /^Follow$/);
  await page.locator('#follow').click();
  await expectText(page, '#follow', /^Unfollow$/);
  await expectText(page, '#follower-count', /^1$/);
  const pressed = await page.locator('#follow').getAttribute('aria-pressed');
  check(pressed === 'true', `#follow has aria-pressed=${show(pressed)} while following, expected "true"`);
  await screenshot(page, 'creator-follow');
}

export async function watchUpcomingDrop(fan, drop, product) {
  const page = use(fan);
  await openRoute(page, `#/drops/${drop.id}`);
  await expectText(page, 'h1', product.title);
  const status = await expectText(page, '#drop-status', /^(Upcoming|Live)$/);
  const marginMs = Date.parse(drop.startAt) - Date.now();
  check(status === 'Upcoming', `the drop was already "${status}" when the fan opened it (${marginMs} ms before startAt): raise --lead-seconds`);
  await expectText(page, '#drop-countdown', /Starts in \d/);
  await expectText(page, '#drop-price', '25.00');
  await expectText(page, '#drop-available', new RegExp(`^${STOCK}$`));
  check(await page.locator('#buy').isDisabled(), '#buy is enabled while the drop is upcoming');
  const image = await page.evaluate(() => {
    const element = document.getElementById('drop-image');
    return element && { src: element.getAttribute('src'), alt: element.alt, naturalWidth: element.naturalWidth };
  });
  check(image?.src?.startsWith('/media/'), `#drop-image is ${show(image)}, expected an <img src="/media/...">`);
  await recordTextChanges(page, 'drop-available');
  await visit(page, 'drop-upcoming');
  const unreadBefore = await unreadCount(page);
  check(typeof unreadBefore === 'number', `#unread-badge says ${show(unreadBefore)}, expected a number (or nothing)`);
  const leftMs = Date.parse(drop.startAt) - Date.now();
  check(leftMs > 0, `the drop started ${-leftMs} ms before the fan had read the unread badge: raise --lead-seconds`);
  result.countdown = { leadSeconds: options.leadSeconds, marginWhenFanReadyMs: leftMs };
  log(`  countdown shown; unread badge ${unreadBefore}; fan ready ${leftMs} ms before the start`);
  return unreadBefore;
}

export async function waitForLive(fan, drop, unreadBefore) {
  const page = use(fan);
  const untilStart = Math.max(0, Date.parse(drop.startAt) - Date.now());
  await expectText(page, '#drop-status', /^Live$/, { timeout: untilStart + 15_000 });
  const lateMs = Date.now() - Date.parse(drop.startAt);
  result.countdown.liveShownAfterStartMs = lateMs;
  const { seen } = await waitUntil(
    `the unread badge to rise above ${unreadBefore} (drop.started to a follower)`,
    async () => {
      const unread = await unreadCount(page);
      return { done: unread > unreadBefore, seen: unread };
    },
    { timeout: 15_000 },
  );
  result.unreadBadge = { before: unreadBefore, afterStart: seen };
  await waitUntil('#buy to be enabled once live', async () => ({ done: await page.locator('#buy').isEnabled(), seen: 'disabled' }));
  log(`  live ${lateMs} ms after startAt; unread badge ${unreadBefore} -> ${seen}`);
  await visit(page, 'drop-live');
}

/** The fan buys with the keyboard; the first POST /orders reaches the server, then "fails". */
export async function buyThroughNetworkFailure(fan) {
  const page = use(fan);
  const isOrderPost = (request) => request.method() === 'POST' && new URL(request.url()).pathname === '/orders';
  const attempts = [];
  const answers = [];
  let firstAttempt = null;
  const onRequest = (request) => {
    if (isOrderPost(request)) attempts.push(request.headers()['idempotency-key'] ?? null);
  };
  const onResponse = (response) => {
    if (isOrderPost(response.request())) answers.push({ status: response.status(), replayed: response.headers()['idempotent-replayed'] ?? null });
  };
  const ordersUrl = (url) => url.pathname === '/orders';
  const failFirst = async (route) => {
    if (route.request().method() !== 'POST' || firstAttempt !== null) return route.continue();
    firstAttempt = { status: null };
    const response = await route.fetch();
    firstAttempt.status = response.status();
    await route.abort('failed');
  };
  page.on('request', onRequest);
  page.on('response', onResponse);
  await page.route(ordersUrl, failFirst);
  try {
    await page.locator('h1').first().focus();
    let presses = 0;
    let focused = null;
    while (presses < 40 && focused?.id !== 'buy') {
      await page.keyboard.press('Tab');
      presses += 1;
      focused = await page.evaluate(() => ({ id: document.activeElement?.id, tag: document.activeElement?.tagName, text: document.activeElement?.textContent.trim().slice(0, 40) }));
    }
    check(focused?.id === 'buy', `${presses} Tab presses from the <h1> never reached #buy (last focus: ${show(focused)})`);
    await page.keyboard.press('Enter');
    await expectText(page, '#buy-result', 'Order confirmed', { timeout: 15_000 }).catch((error) => {
      error.message += `; the page sent ${attempts.length} POST /orders with keys ${show(attempts)}, answered ${show(answers)}`;
      throw error;
    });
    result.buy = { tabPresses: presses, attempts: attempts.length, keys: attempts, firstAttemptServerStatus: firstAttempt?.status ?? null, answers };
    log(`  ${presses} Tab presses to #buy; ${attempts.length} attempts, keys ${show([...new Set(attempts)])}; answers ${show(answers)}`);
  } finally {
    await page.unroute(ordersUrl, failFirst);
    page.off('request', onRequest);
    page.off('response', onResponse);
  }
  check(firstAttempt?.status === 201, `the server's answer to the first (then failed) attempt was ${show(firstAttempt?.status)}, expected 201`);
  check(attempts.length >= 2, `the page sent ${attempts.length} POST /orders, expected a retry after the network error`);
  check(attempts[0] && attempts.every((key) => key === attempts[0]), `the attempts' Idempotency-Keys differ or are missing: ${show(attempts)}`);
  check(answers.at(-1)?.status === 201 && answers.at(-1)?.replayed === 'true', `the retry's answer was ${show(answers.at(-1))}, expected the stored 201 replayed`);
}

export async function fanHasOneOrder(fanPerson, fanUser, drop) {
  const token = await api.login(fanPerson);
  const me = await api.me(token);
  check(me.id === fanUser.id, `the API login of ${fanPerson.email} is user ${me.id}, the web sign-up was ${fanUser.id}`);
  const orders = await api.ordersOf(token, me.id);
  result.ordersOfFan = orders.length;
  check(orders.length === 1, `the fan has ${orders.length} orders on the server, expected exactly 1: ${show(orders.map((o) => o.idempotencyKey))}`);
  check(orders[0].dropId === drop.id && orders[0].status === 'confirmed', `the fan's order is ${show(orders[0])}`);
  check(orders[0].idempotencyKey === result.buy.keys[0], `the fan's order has key ${orders[0].idempotencyKey}, the page sent ${result.buy.keys[0]}`);
}

export async function soldOut(fan, lastBuyer, drop) {
  const page = use(fan);
  await orderAndTime(fan, lastBuyer, drop, 0);
  const { stock } = await api.drop(drop.id);
  check(stock.available === 0, `the server says ${stock.available} left after every unit was ordered`);
  await expectText(page, '#drop-status', /^Sold out$/);
  await waitUntil('#buy to be disabled when sold out', async () => ({ done: await page.locator('#buy').isDisabled(), seen: 'enabled' }));
  await visit(page, 'drop-soldout');
}

export async function myOrders(fan, drop) {
  const page = use(fan);
  await navLink(page, 'My orders').click();
  await expectCount(page, '#orders-list li[data-order-id]', atLeast(1));
  const items = await page.locator('#orders-list li[data-order-id]').allTextContents();
  check(items.length === 1, `My orders lists ${items.length} orders, expected exactly 1: ${show(items)}`);
  check(/confirmed/i.test(items[0]), `the order's item does not say "confirmed": ${show(items[0])}`);
  await visit(page, 'orders');
}

/**
 * The inbox is written by the event pipeline's inbox consumer (through Kafka's consumer group
 * on that backend), not by the realtime hub that raised the badge, so it may lag the badge:
 * reopen it as a fan would, for up to 30 s, and record how long after the start it showed.
 */
export async function inbox(fan, drop) {
  const page = use(fan);
  await navLink(page, 'Inbox').click();
  const deadline = Date.now() + 30_000;
  while ((await page.locator('#inbox-list li').count()) === 0 && Date.now() < deadline) {
    await page.waitForTimeout(1000);
    await openRoute(page, '#/');
    await navLink(page, 'Inbox').click();
    await page.waitForTimeout(500);
  }
  await expectCount(page, '#inbox-list li', atLeast(1));
  result.inboxShownAfterStartMs = Date.now() - Date.parse(drop.startAt);
  const items = await page.locator('#inbox-list li').allTextContents();
  log(`  inbox: ${items.length} item(s), newest: ${show(items[0].trim().replace(/\s+/g, ' ').slice(0, 100))}`);
  await visit(page, 'inbox');
}

export async function creatorPage(fan, creator, drop) {
  const page = use(fan);
  await openRoute(page, `#/creators/${creator.id}`);
  await expectText(page, 'h1', creator.displayName);
  await page.locator(`article.drop-card[data-drop-id="${drop.id}"]`).waitFor();
  await visit(page, 'creator');
}
