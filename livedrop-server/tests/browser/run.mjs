// run.mjs: what the browser test's modules share for one run: the options flow.mjs parsed, the
// run's id (it makes every email, handle and title unique), the API client, the mailbox the
// server writes to, the drop's stock and the test users' password, and `result`, the record
// written to result.json.
//
// flow.mjs calls startRun once, before any step; the bindings below are set then (an ES
// module's exports are live: importers see the values startRun gives them).

import { randomBytes } from 'node:crypto';
import { Api } from './api.mjs';
import { Mailbox } from './mail.mjs';
import { steps } from './support.mjs';

export const STOCK = 5;
export const PASSWORD = 'correct-horse-battery-staple';

export let options = null;
export let base = null;
export let api = null;
export let mailbox = null;
export let runId = null;
export let result = null;

/** Starts the run with the command-line options (parseArgs). */
export function startRun(parsed) {
  options = parsed;
  base = options.baseUrl;
  mailbox = new Mailbox(options.mailDir);
  api = new Api(base, mailbox);
  runId = randomBytes(4).toString('hex');
  result = {
    ok: false,
    baseUrl: base,
    run: runId,
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
}
