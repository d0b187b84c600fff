// mail.mjs: the server's outgoing mail, read where it writes it (`--mail-dir`): one
// `<13-digit unix millis>-<uuid>.eml` file per message (names sort oldest first), renamed into
// place whole, RFC 5322 text with CRLF line ends and an unencoded UTF-8 body.
//
// Why files: signing up now goes through an emailed link, and a directory is a mailbox the test
// can read without a mail server. A wait names the messages to skip (those there before the
// action that sends one), so an older message to the same address is never taken for the new one.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from './support.mjs';

const MESSAGE_FILE = /^\d{13}-[0-9a-f-]+\.eml$/i;
const CONFIRM_LINK = /\S*#\/confirm\?token=([\w-]+\.[\w-]+\.[\w-]+)/;
const WAIT_MS = 10_000;

export class Mailbox {
  constructor(dir) {
    this.dir = dir;
  }

  /** The messages there now: what a later `waitFor` skips. */
  seen() {
    return new Set(this.#names());
  }

  /**
   * The newest message to `address` not in `skip`, once there is one (polled, at most 10 s):
   * `{ file, to, subject, text, link, token }` (`link`, `token`: the confirmation link and its
   * token, null when the text has none).
   */
  async waitFor(address, { skip = new Set(), timeout = WAIT_MS } = {}) {
    const wanted = address.toLowerCase();
    const { message } = await waitUntil(
      `a message to ${address} in ${this.dir}`,
      () => {
        const fresh = this.#names().filter((name) => !skip.has(name));
        const message = fresh.reverse().map((name) => this.#read(name)).find((each) => each.to === wanted);
        return { done: Boolean(message), message, seen: `${fresh.length} new message(s), none to ${address}` };
      },
      { timeout, interval: 100 },
    );
    return message;
  }

  #names() {
    try {
      return readdirSync(this.dir).filter((name) => MESSAGE_FILE.test(name)).sort();
    } catch (error) {
      if (error.code === 'ENOENT') return []; // nothing sent yet
      throw error;
    }
  }

  #read(file) {
    const raw = readFileSync(join(this.dir, file), 'utf8');
    const end = raw.indexOf('\r\n\r\n');
    const head = end < 0 ? raw : raw.slice(0, end);
    const text = end < 0 ? '' : raw.slice(end + 4).replace(/\r\n/g, '\n');
    const headers = new Map();
    // A header may be folded over lines that start with white space.
    for (const line of head.replace(/\r\n(?=[ \t])/g, '').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      if (colon > 0 && !headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
    }
    const to = headers.get('to') ?? '';
    const link = CONFIRM_LINK.exec(text);
    return {
      file,
      to: (/<([^>]*)>/.exec(to)?.[1] ?? to).toLowerCase(),
      subject: headers.get('subject') ?? null,
      text,
      link: link?.[0] ?? null,
      token: link?.[1] ?? null,
    };
  }
}
