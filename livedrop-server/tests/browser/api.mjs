// api.mjs: the direct API calls of the browser test (Node's fetch, no browser): the other
// buyers' registrations and orders, and the server-side check of the fan's orders.
//
// Why a separate client: the other buyers must not share the fan's browser, and their
// orders are timed from Node (the moment the 201 arrives) to compare with the moment the fan's
// page shows the new stock. Registering takes the emailed link's token (mail.mjs) to a second
// call, as a program would after its user pasted it. Register, its confirmation and login
// share a per-address rate limit (10 burst, then one per 6 s): a 429 is waited out (its
// Retry-After, bounded) rather than failing the run.

import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { CheckFailed, log, sleep } from './support.mjs';

const AUTH_RETRIES = 2;
const MAX_RETRY_WAIT_MS = 15_000;

export class Api {
  constructor(baseUrl, mailbox) {
    this.baseUrl = baseUrl;
    this.mailbox = mailbox;
  }

  /**
   * One call: `{ status, headers, body, sentAt, receivedAt }`; `receivedAt` is Date.now()
   * when the answer's head arrived (before its body is read).
   */
  async call(method, path, { token, body, headers = {} } = {}) {
    const sentAt = Date.now();
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const receivedAt = Date.now();
    const text = await response.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text for the error message
    }
    return { status: response.status, headers: response.headers, body: parsed, sentAt, receivedAt };
  }

  /** A call that must answer `expected`, else a CheckFailed naming the call and the answer. */
  async expect(expected, method, path, options) {
    const answer = await this.call(method, path, options);
    if (answer.status !== expected) {
      throw new CheckFailed(`${method} ${path} answered ${answer.status}, expected ${expected}: ${describe(answer.body)}`);
    }
    return answer;
  }

  /** An auth-class call (register, login), waiting out `429 rate_limited` a bounded number of times. */
  async authCall(expected, path, body) {
    for (let attempt = 0; ; attempt += 1) {
      const answer = await this.call('POST', path, { body });
      if (answer.status !== 429 || attempt === AUTH_RETRIES) {
        if (answer.status !== expected) {
          throw new CheckFailed(`POST ${path} answered ${answer.status}, expected ${expected}: ${describe(answer.body)}`);
        }
        return answer;
      }
      const waitMs = Math.min(MAX_RETRY_WAIT_MS, 1000 * Number(answer.headers.get('retry-after') || 6));
      log(`  (rate limited on ${path}: waiting ${waitMs} ms as Retry-After says)`);
      await sleep(waitMs);
    }
  }

  /**
   * Asks to register `email`: the raw `202` answer, which must be `{ sentTo: email }` whether
   * or not the address has an account (the email sent is what differs).
   */
  async requestRegistration({ email, name }) {
    const answer = await this.authCall(202, '/api/auth/register', { email, name });
    if (!isDeepStrictEqual(answer.body, { sentTo: email })) {
      throw new CheckFailed(`POST /api/auth/register of ${email} answered 202 ${describe(answer.body)}, expected {"sentTo":"${email}"}`);
    }
    return answer;
  }

  /** Registers a user (asks, reads the emailed token, confirms): `{ user, accessToken }`. */
  async register({ email, name, password }) {
    const skip = this.mailbox.seen();
    await this.requestRegistration({ email, name });
    const mail = await this.mailbox.waitFor(email, { skip });
    if (!mail.token) {
      throw new CheckFailed(`the mail to ${email} (${mail.file}, subject ${JSON.stringify(mail.subject)}) holds no confirmation link`);
    }
    const { body } = await this.authCall(201, '/api/auth/register/confirm', { token: mail.token, password });
    return { user: body.user, accessToken: body.tokens.accessToken };
  }

  /** Signs in: the access token. */
  async login({ email, password }) {
    const { body } = await this.authCall(200, '/api/auth/login', { email, password });
    return body.accessToken;
  }

  /** The signed-in caller's user. */
  async me(token) {
    return (await this.expect(200, 'GET', '/api/auth/me', { token })).body;
  }

  /** The drop and its authoritative stock: `{ drop, stock }`. */
  async drop(dropId) {
    return (await this.expect(200, 'GET', `/drops/${dropId}`)).body;
  }

  /** Places an order of `qty` units under a fresh idempotency key; the raw answer. */
  async placeOrder(token, dropId, qty = 1) {
    return this.call('POST', '/orders', {
      token,
      body: { dropId, qty },
      headers: { 'Idempotency-Key': randomUUID() },
    });
  }

  /** Every order of the user (all pages). */
  async ordersOf(token, userId) {
    const orders = [];
    let cursor = null;
    do {
      const query = new URLSearchParams({ limit: '100', ...(cursor ? { cursor } : {}) });
      const { body } = await this.expect(200, 'GET', `/users/${userId}/orders?${query}`, { token });
      orders.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    return orders;
  }
}

/** A problem as `code: detail`, anything else as (shortened) JSON. */
function describe(body) {
  if (body && typeof body === 'object' && body.code) return `${body.code}: ${body.detail ?? body.title}`;
  return JSON.stringify(body)?.slice(0, 300);
}
