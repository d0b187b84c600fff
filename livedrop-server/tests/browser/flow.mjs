// flow.mjs: LiveDrop's browser end-to-end test, the web app's acceptance flow.
//
//   node livedrop-server/tests/browser/flow.mjs --base-url http://127.0.0.1:PORT --out DIR
//   (env CHROMIUM: the browser binary, default /usr/bin/chromium; --lead-seconds N: how far
//   ahead the drop starts, default 15)
//
// Actors, each in its own browser context (timezone UTC, so the "Starts at" datetime-local
// value is UTC): a visitor (first load, drops list, login and sign-up pages), a creator (sign
// up, studio, product, image, drop), a fan (sign up, follow, watch the drop go live and its
// stock fall, buy by keyboard through a network failure, orders, inbox, sign out) and a phone.
// Four more buyers order through the API (api.mjs) while the fan watches.
//
// The fan follows the creator BEFORE the drop is scheduled, so the countdown only has to
// cover the fan opening the drop page; the drop.started notification then reaches a follower.
// Step names start with the number of the acceptance point they check.
//
// Exit 0 only when every check passed. DIR gets a screenshot of every page visited and
// result.json (figures: stock latencies, first-load bytes, axe violations, ...); on failure
// also failure.png (the page being driven) and the reason on stdout.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { Api } from './api.mjs';
import { measureFirstLoad, recordTextChanges, seriousAxeViolations, whenNumberShown } from './measure.mjs';
import { CheckFailed, check, log, parseArgs, progress, show, sleep, solidPng, step, steps, waitUntil } from './support.mjs';

const GLOBAL_TIMEOUT_MS = 150_000;
const ACTION_TIMEOUT_MS = 10_000;
const FIRST_LOAD_BUDGET_BYTES = 150_000;
const STOCK_LATENCY_BUDGET_MS = 500;
const ORDER_SPACING_MS = 700;
const STOCK = 5;
const PASSWORD = 'correct-horse-battery-staple';
const LAUNCH_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const options = parseArgs(process.argv.slice(2));
const base = options.baseUrl;
const api = new Api(base);
const run = randomBytes(4).toString('hex');

const result = {
  ok: false,
  baseUrl: base,
  run,
  startedAt: new Date().toISOString(),
  firstLoadBytes: null,
  firstLoadRequests: [],
  stockLatencyMs: [],
  stockLatencyMaxMs: null,
  axe: {},
  ordersOfFan: null,
  buy: null,
  countdown: null,
  unreadBadge: null,
  phoneScrollWidth: null,
  pageErrors: [],
  cspViolations: [],
  screenshots: [],
  steps,
};
const axeDetails = {};
let currentPage = null; // the page a failure screenshot shows

// ---------------------------------------------------------------- browser plumbing

async function newActor(browser, name, contextOptions = {}) {
  const context = await browser.newContext({
    timezoneId: 'UTC',
    locale: 'en-US',
    viewport: { width: 1280, height: 900 },
    ...contextOptions,
  });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const page = await context.newPage();
  page.on('pageerror', (error) => result.pageErrors.push(`${name}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      result.cspViolations.push(`${name}: ${message.text()}`);
    }
  });
  return { name, context, page };
}

/** The actor's page, now the one a failure screenshot shows. */
function use(actor) {
  currentPage = actor.page;
  return actor.page;
}

async function screenshot(page, name) {
  const path = join(options.out, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  result.screenshots.push(`${name}.png`);
  log(`  screenshot ${name}.png`);
}

/** Runs axe on the page, records serious/critical violation ids under `name` (asserted at the end). */
async function axe(page, name) {
  const violations = await seriousAxeViolations(page);
  result.axe[name] = violations.map((violation) => violation.id);
  axeDetails[name] = violations;
  log(`  axe ${name}: ${violations.length ? violations.map((v) => `${v.id} (${v.impact})`).join(', ') : 'no serious/critical violations'}`);
}

async function visit(page, name) {
  await screenshot(page, name);
  await axe(page, name);
}

/** A form control by its label's start ("Stock" must not match "Low-stock threshold"). */
function field(page, label) {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return page.getByLabel(new RegExp(`^\\s*${escaped}\\b`, 'i'));
}

/** A header link: "Inbox" also carries the unread badge's words in its name. */
function navLink(page, name) {
  return page.getByRole('link', { name: name === 'Inbox' ? /^\s*Inbox\b/ : name, exact: name !== 'Inbox' });
}

/** Trimmed text of the first element matching `selector`, null when there is none. */
function textOf(page, selector) {
  return page.evaluate((css) => document.querySelector(css)?.textContent.trim() ?? null, selector);
}

/** Waits until `selector`'s text satisfies `wanted` (a string it includes, or a RegExp). */
async function expectText(page, selector, wanted, { timeout = 5000 } = {}) {
  const matches = (text) => text !== null && (wanted instanceof RegExp ? wanted.test(text) : text.includes(wanted));
  const { seen } = await waitUntil(
    `${selector} to show ${wanted instanceof RegExp ? wanted : show(wanted)}`,
    async () => {
      const text = await textOf(page, selector);
      return { done: matches(text), seen: text };
    },
    { timeout },
  );
  return seen;
}

async function expectCount(page, selector, wanted, { timeout = 5000 } = {}) {
  const answer = await waitUntil(
    `${wanted.description} ${selector}`,
    async () => {
      const count = await page.locator(selector).count();
      return { done: wanted.test(count), seen: `${count} element(s)`, count };
    },
    { timeout },
  );
  return answer.count;
}

const atLeast = (n) => ({ description: `at least ${n}`, test: (count) => count >= n });

/**
 * In-page navigation to a hash route; the new view's <h1> must take the focus (spec). "New":
 * not a heading of the previous view with its old text.
 */
async function openRoute(page, hash) {
  await page.evaluate((target) => {
    window.__previousHeadings = new Map([...document.querySelectorAll('h1')].map((h1) => [h1, h1.textContent]));
    window.location.hash = target;
  }, hash);
  await waitUntil(`the <h1> of ${hash} to have the focus`, async () => {
    const focused = await page.evaluate(() => {
      const element = document.activeElement;
      const previous = window.__previousHeadings;
      const fresh = !previous?.has(element) || previous.get(element) !== element.textContent;
      return { tag: element?.tagName ?? null, fresh, text: element?.textContent.trim().slice(0, 60) ?? null, hash: location.hash };
    });
    return { done: focused.hash === hash && focused.tag === 'H1' && focused.fresh, seen: focused };
  });
}

/** A click that waits for (and returns) the answer to the API call it causes. */
async function clickAndAwait(page, locator, method, pathPattern) {
  const answer = page.waitForResponse(
    (response) => response.request().method() === method && pathPattern.test(new URL(response.url()).pathname),
  );
  await locator.click();
  return answer;
}

async function expectStatus(response, expected, what) {
  if (response.status() !== expected) {
    const body = await response.text().catch(() => '(no body)');
    check(false, `${what}: ${response.request().method()} ${new URL(response.url()).pathname} answered ${response.status()}, expected ${expected}: ${body.slice(0, 300)}`);
  }
  return response.json();
}

async function unreadCount(page) {
  return page.evaluate(() => {
    const text = document.getElementById('unread-badge')?.textContent.trim() ?? '';
    if (text === '') return 0;
    if (/^\d+\+$/.test(text)) return 100; // "99+": capped
    return /^\d+$/.test(text) ? Number(text) : `not a number: ${text}`;
  });
}

/** "YYYY-MM-DDTHH:MM:SS" in UTC: a datetime-local value in the contexts' timezone. */
function localInputValue(date) {
  return date.toISOString().slice(0, 19);
}

// ---------------------------------------------------------------- the steps

async function measureFirstLoadOf(visitor) {
  const page = use(visitor);
  const load = await measureFirstLoad(page, `${base}/`);
  check(load.status === 200, `GET / answered ${load.status}, expected 200 (the web app's shell)`);
  await page.locator('h1').first().waitFor();
  result.firstLoadBytes = load.bytes;
  result.firstLoadRequests = load.requests;
  for (const request of load.requests) log(`  ${String(request.bytes).padStart(7)} B  ${request.status ?? '---'}  ${request.url}`);
  log(`  first load: ${load.bytes} bytes in ${load.requests.length} requests (budget ${FIRST_LOAD_BUDGET_BYTES})`);
  await screenshot(page, 'drops-first-load');
  check(load.bytes <= FIRST_LOAD_BUDGET_BYTES, `the first load of / transferred ${load.bytes} bytes, more than ${FIRST_LOAD_BUDGET_BYTES}`);
}

async function signUp(actor, person) {
  const page = use(actor);
  await page.goto(`${base}/#/signup`);
  await field(page, 'Email').fill(person.email);
  await field(page, 'Name').fill(person.name);
  await field(page, 'Password').fill(person.password);
  const answer = await clickAndAwait(page, page.getByRole('button', { name: 'Sign up', exact: true }), 'POST', /^\/api\/auth\/web\/register$/);
  const session = await expectStatus(answer, 201, `signing up ${person.email}`);
  await expectText(page, '#whoami', person.name);
  log(`  ${actor.name} signed up as ${person.email} (user ${session.user.id})`);
  return session.user;
}

async function becomeCreator(creator, profile) {
  const page = use(creator);
  await navLink(page, 'Studio').click();
  await field(page, 'Display name').fill(profile.displayName);
  await field(page, 'Handle').fill(profile.handle);
  const answer = await clickAndAwait(page, page.getByRole('button', { name: 'Become a creator' }), 'POST', /^\/api\/creators$/);
  const created = await expectStatus(answer, 201, 'becoming a creator');
  log(`  creator ${created.id} (@${profile.handle})`);
  return created;
}

async function createProduct(creator, product) {
  const page = use(creator);
  await field(page, 'Title').fill(product.title);
  await field(page, 'Description').fill(product.description);
  await field(page, 'Price').fill(product.price);
  const currency = field(page, 'Currency');
  if ((await currency.evaluate((element) => element.tagName)) === 'SELECT') await currency.selectOption('USD');
  else await currency.fill('USD');
  const answer = await clickAndAwait(page, page.getByRole('button', { name: 'Create product' }), 'POST', /^\/products$/);
  const created = await expectStatus(answer, 201, 'creating the product');
  check(created.priceCents === 2500, `price "${product.price}" was sent as priceCents ${created.priceCents}, expected 2500`);
  log(`  product ${created.id}`);
  return created;
}

async function uploadImage(creator) {
  const page = use(creator);
  await field(page, 'Product image').setInputFiles({ name: 'swatch.png', mimeType: 'image/png', buffer: solidPng(64, 64, [214, 40, 57]) });
  const answer = await clickAndAwait(page, page.getByRole('button', { name: 'Upload image' }), 'PUT', /^\/api\/products\/[^/]+\/images$/);
  const product = await expectStatus(answer, 200, 'attaching the uploaded image');
  check(product.images?.length === 1, `the product's images after the upload are ${show(product.images)}, expected one key`);
  await waitUntil('#studio-image to load', async () => {
    const image = await page.evaluate(() => {
      const element = document.getElementById('studio-image');
      return element && { src: element.getAttribute('src'), complete: element.complete, naturalWidth: element.naturalWidth };
    });
    return { done: Boolean(image?.complete && image.naturalWidth > 0), seen: image };
  });
  log(`  image ${product.images[0]}`);
}

async function scheduleDrop(creator, creatorId, startAt) {
  const page = use(creator);
  const endAt = new Date(startAt.getTime() + 3600_000);
  await field(page, 'Starts at').fill(localInputValue(startAt));
  await field(page, 'Ends at').fill(localInputValue(endAt));
  await field(page, 'Stock').fill(String(STOCK));
  await field(page, 'Low-stock threshold').fill('1');
  await field(page, 'Limit per buyer').fill('1');
  const answer = await clickAndAwait(page, page.getByRole('button', { name: 'Schedule drop' }), 'POST', /^\/drops$/);
  const drop = await expectStatus(answer, 201, 'scheduling the drop');
  check(drop.creatorId === creatorId, `the drop belongs to creator ${drop.creatorId}, expected ${creatorId}`);
  const skewMs = Date.parse(drop.startAt) - startAt.getTime();
  check(Math.abs(skewMs) < 1000, `"Starts at" ${localInputValue(startAt)} (UTC context) became startAt ${drop.startAt}: the input's local time or seconds were lost`);
  const href = await page.getByRole('link', { name: 'View drop' }).getAttribute('href');
  check(href === `#/drops/${drop.id}`, `the "View drop" link goes to ${show(href)}, expected #/drops/${drop.id}`);
  log(`  drop ${drop.id} starts ${drop.startAt} (in ${((startAt.getTime() - Date.now()) / 1000).toFixed(1)} s)`);
  return drop;
}

async function follow(fan, creatorId, displayName) {
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

async function watchUpcomingDrop(fan, drop, product) {
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

async function registerBuyers(count) {
  const buyers = [];
  for (let i = 1; i <= count; i += 1) {
    const person = { email: `buyer${i}-${run}@example.com`, name: `Buyer ${i}`, password: PASSWORD };
    const { user, accessToken } = await api.register(person);
    buyers.push({ ...person, id: user.id, token: accessToken });
  }
  log(`  ${count} buyers registered over the API`);
  return buyers;
}

async function waitForLive(fan, drop, unreadBefore) {
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

async function visitorPages(visitor, drop, product) {
  const page = use(visitor);
  await openRoute(page, '#/login');
  await field(page, 'Email').waitFor();
  await page.getByRole('button', { name: 'Log in', exact: true }).waitFor();
  await visit(page, 'login');
  await openRoute(page, '#/signup');
  await page.getByRole('button', { name: 'Sign up', exact: true }).waitFor();
  await visit(page, 'signup');
  await openRoute(page, '#/');
  const card = page.locator(`article.drop-card[data-drop-id="${drop.id}"]`);
  const shown = await card.waitFor({ timeout: 3000 }).then(() => true, () => false);
  if (!shown) {
    const liveTab = page.getByRole('tab', { name: 'Live' }).or(page.getByRole('button', { name: 'Live', exact: true }));
    if (await liveTab.count()) await liveTab.first().click();
  }
  await card.waitFor({ timeout: 10_000 }).catch(async () => {
    const cards = await page.locator('article.drop-card').evaluateAll((all) => all.map((element) => element.dataset.dropId));
    check(false, `the drops list never showed the live drop ${drop.id}; cards shown: ${show(cards)}`);
  });
  const href = await card.getByRole('link', { name: product.title }).first().getAttribute('href');
  check(href === `#/drops/${drop.id}`, `the drop card's title link goes to ${show(href)}, expected #/drops/${drop.id}`);
  await visit(page, 'drops');
}

/** One buyer's API order, then how long until the fan's page shows `expected` units left. */
async function orderAndTime(fan, buyer, drop, expected) {
  const answer = await api.placeOrder(buyer.token, drop.id);
  check(answer.status === 201, `${buyer.email}'s order answered ${answer.status}: ${show(answer.body)}`);
  const shown = await whenNumberShown(fan.page, 'drop-available', expected, answer.sentAt, { timeout: 5000 });
  const latency = shown.at - answer.receivedAt;
  result.stockLatencyMs.push(latency);
  log(`  ${buyer.name}: 201 after ${answer.receivedAt - answer.sentAt} ms; the fan's page showed ${shown.text} ${latency} ms after the answer`);
  return answer;
}

async function buyersOrder(fan, buyers, drop, firstExpected) {
  use(fan);
  let expected = firstExpected;
  for (const [index, buyer] of buyers.entries()) {
    const answer = await orderAndTime(fan, buyer, drop, expected);
    expected -= 1;
    if (index < buyers.length - 1) await sleep(Math.max(0, ORDER_SPACING_MS - (Date.now() - answer.sentAt)));
  }
}

/** The fan buys with the keyboard; the first POST /orders reaches the server, then "fails". */
async function buyThroughNetworkFailure(fan) {
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

async function fanHasOneOrder(fanPerson, fanUser, drop) {
  const token = await api.login(fanPerson);
  const me = await api.me(token);
  check(me.id === fanUser.id, `the API login of ${fanPerson.email} is user ${me.id}, the web sign-up was ${fanUser.id}`);
  const orders = await api.ordersOf(token, me.id);
  result.ordersOfFan = orders.length;
  check(orders.length === 1, `the fan has ${orders.length} orders on the server, expected exactly 1: ${show(orders.map((o) => o.idempotencyKey))}`);
  check(orders[0].dropId === drop.id && orders[0].status === 'confirmed', `the fan's order is ${show(orders[0])}`);
  check(orders[0].idempotencyKey === result.buy.keys[0], `the fan's order has key ${orders[0].idempotencyKey}, the page sent ${result.buy.keys[0]}`);
}

async function soldOut(fan, lastBuyer, drop) {
  const page = use(fan);
  await orderAndTime(fan, lastBuyer, drop, 0);
  const { stock } = await api.drop(drop.id);
  check(stock.available === 0, `the server says ${stock.available} left after every unit was ordered`);
  await expectText(page, '#drop-status', /^Sold out$/);
  await waitUntil('#buy to be disabled when sold out', async () => ({ done: await page.locator('#buy').isDisabled(), seen: 'enabled' }));
  await visit(page, 'drop-soldout');
}

async function myOrders(fan, drop) {
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
async function inbox(fan, drop) {
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

async function creatorPage(fan, creator, drop) {
  const page = use(fan);
  await openRoute(page, `#/creators/${creator.id}`);
  await expectText(page, 'h1', creator.displayName);
  await page.locator(`article.drop-card[data-drop-id="${drop.id}"]`).waitFor();
  await visit(page, 'creator');
}

async function studio(creator) {
  const page = use(creator);
  await waitUntil(`the studio to show "sold ${STOCK} of ${STOCK}"`, async () => {
    const text = await page.locator('main').first().innerText();
    return { done: new RegExp(`sold\\s+${STOCK}\\s+of\\s+${STOCK}`, 'i').test(text), seen: text.replace(/\s+/g, ' ').slice(-200) };
  });
  await visit(page, 'studio');
}

async function phone(browser, drop) {
  const actor = await newActor(browser, 'phone', { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const page = use(actor);
  await page.goto(`${base}/#/drops/${drop.id}`);
  await expectText(page, '#drop-status', /^Sold out$/);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  result.phoneScrollWidth = width;
  await screenshot(page, 'drop-phone');
  check(width <= 375, `the drop page is ${width} px wide on a 375 px screen (horizontal scroll)`);
  await axe(page, 'drop-phone');
  await actor.context.close();
}

async function sessionAndSignOut(fan, fanPerson) {
  const page = use(fan);
  const refreshed = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/auth/web/refresh');
  await page.reload();
  await expectStatus(await refreshed, 200, 'the start-up refresh of a signed-in fan');
  await expectText(page, '#whoami', fanPerson.name);

  const cookies = await fan.context.cookies();
  const httpOnly = cookies.filter((cookie) => cookie.httpOnly);
  check(httpOnly.length > 0, `no HttpOnly cookie holds the sign-in; cookies: ${show(cookies.map((c) => c.name))}`);
  const readable = await page.evaluate(() => ({
    cookie: document.cookie,
    storage: [...Object.values(localStorage), ...Object.values(sessionStorage)].join('\n'),
  }));
  for (const cookie of httpOnly) {
    check(!readable.cookie.includes(cookie.name) && !readable.cookie.includes(cookie.value), `document.cookie exposes the ${cookie.name} cookie`);
  }
  check(!/eyJ[\w-]+\.[\w-]+\./.test(readable.storage), 'a token (JWT) is kept in localStorage/sessionStorage');
  log(`  still signed in after a reload; HttpOnly cookie(s) ${show(httpOnly.map((c) => `${c.name} path=${c.path}`))} not readable by scripts`);

  const loggedOut = await clickAndAwait(page, page.getByRole('button', { name: 'Log out' }), 'POST', /^\/api\/auth\/web\/logout$/);
  check(loggedOut.status() === 204, `logout answered ${loggedOut.status()}, expected 204`);
  await navLink(page, 'Log in').waitFor();
  const refreshAfter = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/auth/web/refresh', { timeout: 5000 }).catch(() => null);
  await page.reload();
  const answer = await refreshAfter;
  await navLink(page, 'Log in').waitFor();
  const whoami = await textOf(page, '#whoami');
  check(!whoami, `#whoami still shows ${show(whoami)} after logging out and reloading`);
  const left = (await fan.context.cookies()).filter((cookie) => cookie.httpOnly && cookie.value);
  log(`  signed out: after a reload the refresh answered ${answer?.status() ?? '(no call)'}, "Log in" shown; session cookies left: ${left.length}`);
  await screenshot(page, 'signed-out');
}

function assertAccessibility() {
  const failing = Object.entries(axeDetails).filter(([, violations]) => violations.length > 0);
  for (const [name, violations] of failing) {
    for (const violation of violations) {
      log(`  ${name}: ${violation.id} (${violation.impact}) ${violation.help}`);
      for (const node of violation.nodes) log(`      ${node.target}  ${node.html}\n        ${node.summary.replace(/\n/g, '\n        ')}`);
    }
  }
  check(failing.length === 0, `axe found serious/critical violations on: ${failing.map(([name, v]) => `${name} [${v.map((x) => x.id).join(', ')}]`).join('; ')}`);
}

function assertNoScriptErrors() {
  for (const error of [...result.pageErrors, ...result.cspViolations]) log(`  ${error}`);
  check(result.pageErrors.length === 0, `${result.pageErrors.length} uncaught script error(s) in the pages`);
  check(result.cspViolations.length === 0, `${result.cspViolations.length} Content-Security-Policy violation(s) in the pages`);
}

// ---------------------------------------------------------------- the flow

async function flow(browser) {
  const creatorPerson = { email: `creator-${run}@example.com`, name: 'Ada Maker', password: PASSWORD };
  const fanPerson = { email: `fan-${run}@example.com`, name: 'Finn Fan', password: PASSWORD };
  const profile = { displayName: `Ada's Studio ${run}`, handle: `ada${run}` };
  const productDraft = { title: `Sneaker ${run}`, description: 'A browser-test sneaker.', price: '25.00' };

  const visitor = await newActor(browser, 'visitor');
  await step('1. first load of / stays small', () => measureFirstLoadOf(visitor));

  const creator = await newActor(browser, 'creator');
  await step('2a. creator signs up', () => signUp(creator, creatorPerson));
  const creatorProfile = await step('2b. creator becomes a creator in the studio', () => becomeCreator(creator, profile));
  const product = await step('2c. creator creates a product', () => createProduct(creator, productDraft));
  await step('2d. creator uploads the product image', () => uploadImage(creator));

  const fan = await newActor(browser, 'fan');
  const fanUser = await step('3a. fan signs up', () => signUp(fan, fanPerson));
  await step('3b. fan follows the creator', () => follow(fan, creatorProfile.id, profile.displayName));

  const startAt = new Date(Math.ceil((Date.now() + options.leadSeconds * 1000) / 1000) * 1000);
  const drop = await step('2e. creator schedules the drop', () => scheduleDrop(creator, creatorProfile.id, startAt));
  const unreadBefore = await step('3c. fan sees the drop upcoming with a countdown', () => watchUpcomingDrop(fan, drop, product));
  const buyers = await step('4a. four buyers register over the API', () => registerBuyers(4));
  await step('3d. the drop goes live on the fan\'s page and the unread badge rises', () => waitForLive(fan, drop, unreadBefore));
  await step('8a. visitor: login, sign-up and drops list pages', () => visitorPages(visitor, drop, product));

  await step('4b. three buyers order; the fan\'s page follows the stock', () => buyersOrder(fan, buyers.slice(0, 3), drop, STOCK - 1));
  await step('5. fan buys with the keyboard through a network failure', () => buyThroughNetworkFailure(fan));
  await step('6a. the server holds exactly one order of the fan', () => fanHasOneOrder(fanPerson, fanUser, drop));
  await step('7. the last unit sells; the fan\'s page says sold out', () => soldOut(fan, buyers[3], drop));
  result.stockLatencyMaxMs = Math.max(...result.stockLatencyMs);
  await step('6b. My orders lists exactly one order', () => myOrders(fan, drop));
  await step('8b. the fan\'s inbox has notifications', () => inbox(fan, drop));
  await step('8c. the creator page lists the drop', () => creatorPage(fan, { ...profile, id: creatorProfile.id }, drop));
  await step('8d. the studio shows the drop sold out', () => studio(creator));
  await step('10. the drop page fits a 375 px phone', () => phone(browser, drop));
  await step('11. the sign-in survives a reload, hides its token, and ends on log out', () => sessionAndSignOut(fan, fanPerson));

  await step('4c. stock updates reach the page within budget', () => {
    log(`  stock latencies ${show(result.stockLatencyMs)} ms, max ${result.stockLatencyMaxMs} (budget ${STOCK_LATENCY_BUDGET_MS})`);
    check(result.stockLatencyMaxMs <= STOCK_LATENCY_BUDGET_MS, `a stock update took ${result.stockLatencyMaxMs} ms to show, more than ${STOCK_LATENCY_BUDGET_MS}`);
  });
  await step('9. axe: no serious or critical violations on any page', assertAccessibility);
  await step('no uncaught script errors or CSP violations', assertNoScriptErrors);
}

// ---------------------------------------------------------------- run, report, exit

function writeResult() {
  result.finishedAt = new Date().toISOString();
  writeFileSync(join(options.out, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
}

async function main() {
  mkdirSync(options.out, { recursive: true });
  log(`LiveDrop browser flow against ${base} (run ${run}), screenshots and result.json in ${options.out}`);
  const browser = await chromium.launch({ executablePath: options.chromium, headless: true, args: LAUNCH_ARGS });
  log(`Chromium ${browser.version()}`);
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailed(`the whole run took longer than ${GLOBAL_TIMEOUT_MS / 1000} s`)), GLOBAL_TIMEOUT_MS);
  });
  try {
    await Promise.race([flow(browser), timeout]);
    result.ok = true;
    writeResult();
    log(`PASSED: every check held (${steps.length} steps)`);
    return 0;
  } catch (error) {
    result.error = error.message;
    error.step ??= progress.step;
    result.failedStep = error.step ?? null;
    if (currentPage) {
      await withTimeout(currentPage.screenshot({ path: join(options.out, 'failure.png'), fullPage: true }), 5000)
        .then(() => result.screenshots.push('failure.png'))
        .catch((shotError) => log(`(no failure screenshot: ${shotError.message})`));
      const alerts = await withTimeout(currentPage.locator('[role="alert"]').allInnerTexts(), 2000).catch(() => []);
      if (alerts.some((text) => text.trim())) log(`  the page's alerts say: ${show(alerts.filter((text) => text.trim()))}`);
    }
    writeResult();
    log(`FAILED${error.step ? ` in step "${error.step}"` : ''}: ${error.message}`);
    if (error.name !== 'CheckFailed') console.log(error.stack);
    return 1;
  } finally {
    clearTimeout(timer);
    await withTimeout(browser.close(), 5000).catch(() => {});
  }
}

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.log(`FAILED before the flow ran: ${error.stack}`);
    process.exit(1);
  },
);
