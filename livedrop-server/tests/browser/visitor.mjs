// visitor.mjs: the steps of someone not signed in: the first load of / and its byte budget;
// the login, sign-up and drops list pages; the drop page on a phone.

import { measureFirstLoad } from './measure.mjs';
import { check, log, show } from './support.mjs';
import { base, result } from './run.mjs';
import { expectText, field, newActor, openRoute, use } from './pages.mjs';
import { axe, screenshot, visit } from './audit.mjs';

const FIRST_LOAD_BUDGET_BYTES = 150_000;

export async function measureFirstLoadOf(visitor) {
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

export async function visitorPages(visitor, drop, product) {
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

export async function phone(browser, drop) {
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
