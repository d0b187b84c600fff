// pages.mjs: driving the web app's pages: an actor (its own browser context and page), and the
// helpers every step uses to find controls, move between routes and wait for what a page shows.

import { check, show, waitUntil } from './support.mjs';
import { result } from './run.mjs';

const ACTION_TIMEOUT_MS = 10_000;

export let currentPage = null; // the page a failure screenshot shows

export async function newActor(browser, name, contextOptions = {}) {
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
export function use(actor) {
  currentPage = actor.page;
  return actor.page;
}

/** A form control by its label's start ("Stock" must not match "Low-stock threshold"). */
export function field(page, label) {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return page.getByLabel(new RegExp(`^\\s*${escaped}\\b`, 'i'));
}

/** A header link: "Inbox" also carries the unread badge's words in its name. */
export function navLink(page, name) {
  return page.getByRole('link', { name: name === 'Inbox' ? /^\s*Inbox\b/ : name, exact: name !== 'Inbox' });
}

/** Trimmed text of the first element matching `selector`, null when there is none. */
export function textOf(page, selector) {
  return page.evaluate((css) => document.querySelector(css)?.textContent.trim() ?? null, selector);
}

/** Waits until `selector`'s text satisfies `wanted` (a string it includes, or a RegExp). */
export async function expectText(page, selector, wanted, { timeout = 5000 } = {}) {
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

export async function expectCount(page, selector, wanted, { timeout = 5000 } = {}) {
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

export const atLeast = (n) => ({ description: `at least ${n}`, test: (count) => count >= n });

/**
 * In-page navigation to a hash route; the new view's <h1> must take the focus (spec). "New":
 * not a heading of the previous view with its old text.
 */
export async function openRoute(page, hash) {
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
export async function clickAndAwait(page, locator, method, pathPattern) {
  const answer = page.waitForResponse(
    (response) => response.request().method() === method && pathPattern.test(new URL(response.url()).pathname),
  );
  await locator.click();
  return answer;
}

export async function expectStatus(response, expected, what) {
  if (response.status() !== expected) {
    const body = await response.text().catch(() => '(no body)');
    check(false, `${what}: ${response.request().method()} ${new URL(response.url()).pathname} answered ${response.status()}, expected ${expected}: ${body.slice(0, 300)}`);
  }
  return response.json();
}

export async function unreadCount(page) {
  return page.evaluate(() => {
    const text = document.getElementById('unread-badge')?.textContent.trim() ?? '';
    if (text === '') return 0;
    if (/^\d+\+$/.test(text)) return 100; // "99+": capped
    return /^\d+$/.test(text) ? Number(text) : `not a number: ${text}`;
  });
}
