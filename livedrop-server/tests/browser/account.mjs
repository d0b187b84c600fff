// account.mjs: an account in the web app: signing up through its form (creator and fan alike:
// name and email, "check your inbox", the emailed link, a password), the same answer to an
// email that already has an account, and the web sign-in's life: kept across a reload in an
// HttpOnly cookie no script can read, ended by logging out.

import { isDeepStrictEqual } from 'node:util';
import { check, log, show, sleep, waitUntil } from './support.mjs';
import { api, base, mailbox, runId } from './run.mjs';
import { clickAndAwait, expectStatus, expectText, field, navLink, textOf, use } from './pages.mjs';
import { screenshot, visit } from './audit.mjs';

const CONFIRM_SUBJECT = 'Confirm your LiveDrop account';
const TAKEN_SUBJECT = 'Your LiveDrop account';

const REGISTER = /^\/api\/auth\/web\/register$/;
const CONFIRM = /^\/api\/auth\/web\/register\/confirm$/;
const RATE_LIMIT_RETRIES = 2;
const MAX_RETRY_WAIT_MS = 15_000;

const confirmLinks = new Map(); // email → the link its sign-up was confirmed with

/**
 * Sends a sign-in form (`send`: the click or key press) and returns the answer of its POST to
 * `path`. Like the API buyers (api.mjs), a `429` is waited out (its Retry-After, bounded) and
 * the form sent again: the run's sign-ups share one address's auth limit.
 */
async function submitForm(page, path, send) {
  for (let attempt = 0; ; attempt += 1) {
    const answer = page.waitForResponse(
      (response) => response.request().method() === 'POST' && path.test(new URL(response.url()).pathname),
    );
    await send();
    const response = await answer;
    if (response.status() !== 429 || attempt === RATE_LIMIT_RETRIES) return response;
    const waitMs = Math.min(MAX_RETRY_WAIT_MS, 1000 * Number(response.headers()['retry-after'] || 6));
    log(`  (rate limited on ${new URL(response.url()).pathname}: waiting ${waitMs} ms as Retry-After says)`);
    await sleep(waitMs);
  }
}

/**
 * Signs `person` up through the page: name and email, the inbox notice, the emailed link opened
 * in the page, a password; signed in, on the drops. `audit`: screenshots and axe of the new
 * states. `keyboard`: the password form is sent with Enter instead of a click.
 */
export async function signUp(actor, person, { audit = false, keyboard = false } = {}) {
  const page = use(actor);
  await page.goto(`${base}/#/signup`);
  await field(page, 'Email').fill(person.email);
  await field(page, 'Name').fill(person.name);
  check(await page.getByLabel(/password/i).count() === 0, 'the sign-up form still asks for a password');
  const skip = mailbox.seen();
  const asked = await submitForm(page, REGISTER, () => page.getByRole('button', { name: 'Sign up', exact: true }).click());
  const sent = await expectStatus(asked, 202, `signing up ${person.email}`);
  check(isDeepStrictEqual(sent, { sentTo: person.email }), `signing up ${person.email} answered ${show(sent)}, expected {"sentTo":"${person.email}"}`);
  await expectText(page, 'h1', 'Check your inbox');
  await expectText(page, '#sent-to', person.email);
  await expectText(page, 'main', '24 hours');
  const focused = await page.evaluate(() => document.activeElement?.tagName);
  check(focused === 'H1', `after signing up the focus is on ${show(focused)}, expected the "Check your inbox" heading`);
  if (audit) await visit(page, 'signup-check-inbox');

  const mail = await mailbox.waitFor(person.email, { skip });
  check(mail.subject === CONFIRM_SUBJECT, `the mail to ${person.email} has subject ${show(mail.subject)}, expected ${show(CONFIRM_SUBJECT)}`);
  check(mail.link?.startsWith(`${base}/#/confirm?token=`), `the mail to ${person.email} links to ${show(mail.link)}, expected ${base}/#/confirm?token=...`);
  confirmLinks.set(person.email, mail.link);
  // As from a mail client: a fresh load of the link, not a hash change in the open page.
  await page.goto('about:blank');
  await page.goto(mail.link);
  await expectText(page, 'h1', 'Choose a password');
  const address = await page.evaluate(() => location.href);
  check(!address.includes(mail.token) && !address.includes('token='), `the confirm page left its token in the address bar: ${address}`);
  if (audit) await visit(page, 'confirm');

  await field(page, 'Password').fill(person.password);
  const confirmed = await submitForm(page, CONFIRM, keyboard
    ? () => field(page, 'Password').press('Enter')
    : () => page.getByRole('button', { name: 'Create account', exact: true }).click());
  const session = await expectStatus(confirmed, 201, `confirming ${person.email}'s sign-up`);
  await expectText(page, '#whoami', person.name);
  await waitUntil('the page to go to the drops once signed up', async () => {
    const hash = await page.evaluate(() => location.hash);
    return { done: hash === '#/', seen: hash };
  });
  log(`  ${actor.name} signed up as ${person.email} by the emailed link (user ${session.user.id}${keyboard ? ', by keyboard' : ''})`);
  return session.user;
}

/**
 * Registering an email that already has an account answers exactly what a new email gets, so
 * the answer tells nobody who is registered; only the mail differs, and it goes to the owner:
 * "you have an account", no link that could make another. The page then refuses the owner's
 * spent link in words, with the way to sign in.
 */
export async function takenEmail(actor, person) {
  const newcomer = { email: `newcomer-${runId}@example.com`, name: 'Nora Newcomer' };
  const skip = mailbox.seen();
  const forNew = await api.requestRegistration(newcomer);
  const forTaken = await api.requestRegistration({ email: person.email, name: 'Someone Else' });
  const seen = (answer, email) => ({
    status: answer.status,
    type: answer.headers.get('content-type'),
    body: JSON.stringify(answer.body).replaceAll(email, '<email>'),
  });
  const [a, b] = [seen(forNew, newcomer.email), seen(forTaken, person.email)];
  check(isDeepStrictEqual(a, b), `a taken email is answered ${show(b)}, a new one ${show(a)}: the answer tells them apart`);

  const fresh = await mailbox.waitFor(newcomer.email, { skip });
  check(fresh.subject === CONFIRM_SUBJECT && fresh.token, `the new email's mail has subject ${show(fresh.subject)} and token ${show(fresh.token)}`);
  const taken = await mailbox.waitFor(person.email, { skip });
  check(taken.subject === TAKEN_SUBJECT, `the taken email's mail has subject ${show(taken.subject)}, expected ${show(TAKEN_SUBJECT)}`);
  check(!taken.token && !/token=/.test(taken.text), `the taken email's mail holds a token: ${show(taken.text)}`);
  check(taken.text.includes(`${base}/#/login`), `the taken email's mail does not link to ${base}/#/login: ${show(taken.text)}`);
  log(`  both answered ${a.status} ${a.body}; mails: ${show(fresh.subject)} with a link, ${show(taken.subject)} without`);

  const page = use(actor);
  const link = confirmLinks.get(person.email);
  check(link, `no confirmation link was kept for ${person.email}`);
  await page.goto(link);
  await expectText(page, 'h1', 'Choose a password');
  await field(page, 'Password').fill(person.password);
  const refused = await submitForm(page, CONFIRM, () => page.getByRole('button', { name: 'Create account', exact: true }).click());
  check(refused.status() === 409, `confirming with a spent link answered ${refused.status()}, expected 409: ${await refused.text()}`);
  await expectText(page, '[role="alert"]', 'This link was already used');
  const href = await page.locator('[role="alert"] a').getAttribute('href');
  check(href === '#/login', `the spent link's alert links to ${show(href)}, expected #/login`);
  await visit(page, 'confirm-spent-link');
}

export async function sessionAndSignOut(fan, fanPerson) {
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
