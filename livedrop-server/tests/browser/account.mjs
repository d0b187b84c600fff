// account.mjs: an account in the web app: signing up through its form (creator and fan alike),
// and the web sign-in's life: kept across a reload in an HttpOnly cookie no script can read,
// ended by logging out.

import { check, log, show } from './support.mjs';
import { base } from './run.mjs';
import { clickAndAwait, expectStatus, expectText, field, navLink, textOf, use } from './pages.mjs';
import { screenshot } from './audit.mjs';

export async function signUp(actor, person) {
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
