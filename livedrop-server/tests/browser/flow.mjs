// flow.mjs: LiveDrop's browser end-to-end test, the web app's acceptance flow.
//
//   node livedrop-server/tests/browser/flow.mjs --base-url http://127.0.0.1:PORT --out DIR --mail-dir DIR
//   (--mail-dir: where the server writes its mail, its --mail-dir; env CHROMIUM: the browser
//   binary, default /usr/bin/chromium; --lead-seconds N: how far ahead the drop starts, default 15)
//
// Actors, each in its own browser context (timezone UTC, so the "Starts at" datetime-local
// value is UTC): a visitor (first load, drops list, login and sign-up pages), a creator (sign
// up, studio, product, image, drop), a fan (sign up, follow, watch the drop go live and its
// stock fall, buy by keyboard through a network failure, orders, inbox, sign out) and a phone.
// Four more buyers register and order through the API (api.mjs) while the fan watches. Every
// sign-up goes through the emailed link, read from the server's mail directory (mail.mjs).
//
// The fan follows the creator BEFORE the drop is scheduled, so the countdown only has to
// cover the fan opening the drop page; the drop.started notification then reaches a follower.
// Step names start with the number of the acceptance point they check.
//
// Exit 0 only when every check passed. DIR gets a screenshot of every page visited and
// result.json (figures: stock latencies, first-load bytes, axe violations, ...); on failure
// also failure.png (the page being driven) and the reason on stdout.
//
// The steps live by actor: visitor.mjs, account.mjs (sign-up, sign-in and out), creator.mjs,
// fan.mjs, buyers.mjs (the API buyers); pages.mjs drives pages, mail.mjs reads the server's
// mail, audit.mjs keeps screenshots and axe's findings and holds the end-of-run checks, run.mjs
// is the state they share.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CheckFailed, log, parseArgs, progress, show, step, steps } from './support.mjs';
import { PASSWORD, STOCK, base, options, result, runId, startRun } from './run.mjs';
import { currentPage, newActor } from './pages.mjs';
import { assertAccessibility, assertNoScriptErrors, assertStockLatencies } from './audit.mjs';
import { measureFirstLoadOf, phone, visitorPages } from './visitor.mjs';
import { sessionAndSignOut, signUp, takenEmail } from './account.mjs';
import { becomeCreator, createProduct, scheduleDrop, studio, uploadImage } from './creator.mjs';
import { buyThroughNetworkFailure, creatorPage, fanHasOneOrder, follow, inbox, myOrders, soldOut, waitForLive, watchUpcomingDrop } from './fan.mjs';
import { buyersOrder, registerBuyers } from './buyers.mjs';

const GLOBAL_TIMEOUT_MS = 150_000;
const LAUNCH_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

startRun(parseArgs(process.argv.slice(2)));

// ---------------------------------------------------------------- the flow

async function flow(browser) {
  const creatorPerson = { email: `creator-${runId}@example.com`, name: 'Ada Maker', password: PASSWORD };
  const fanPerson = { email: `fan-${runId}@example.com`, name: 'Finn Fan', password: PASSWORD };
  const profile = { displayName: `Ada's Studio ${runId}`, handle: `ada${runId}` };
  const productDraft = { title: `Sneaker ${runId}`, description: 'A browser-test sneaker.', price: '25.00' };

  const visitor = await newActor(browser, 'visitor');
  await step('1. first load of / stays small', () => measureFirstLoadOf(visitor));

  const creator = await newActor(browser, 'creator');
  await step('2a. creator signs up by the emailed link', () => signUp(creator, creatorPerson, { audit: true }));
  const creatorProfile = await step('2b. creator becomes a creator in the studio', () => becomeCreator(creator, profile));
  const product = await step('2c. creator creates a product', () => createProduct(creator, productDraft));
  await step('2d. creator uploads the product image', () => uploadImage(creator));

  const fan = await newActor(browser, 'fan');
  const fanUser = await step('3a. fan signs up by the emailed link, by keyboard', () => signUp(fan, fanPerson, { keyboard: true }));
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
  await step('12. a taken email is answered as a new one; only its mail differs; a spent link is refused in words', () => takenEmail(creator, creatorPerson));

  await step('4c. stock updates reach the page within budget', assertStockLatencies);
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
  log(`LiveDrop browser flow against ${base} (run ${runId}), screenshots and result.json in ${options.out}`);
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
