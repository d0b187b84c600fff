// measure.mjs: the figures the browser test reports: bytes of the first page load (CDP),
// when the fan's page shows each stock number (a MutationObserver in the page), and axe-core's
// accessibility violations.
//
// Why these techniques:
// - Bytes: Chromium's own count (Network.loadingFinished.encodedDataLength: headers plus
//   encoded body as received). A long-lived event stream never finishes, so its headers and
//   data so far are counted from responseReceived/dataReceived, and it does not hold up "quiet".
// - Stock latency: the page stamps Date.now() the moment #drop-available's text changes; Node
//   stamps Date.now() when the order's answer arrives. Same machine, same clock, no polling
//   error in the figure.
// - axe: the app's Content-Security-Policy forbids inline scripts, and page.addScriptTag
//   injects an inline <script> (blocked, and logged as a CSP violation). page.evaluate runs
//   through DevTools, which CSP does not govern, so axe's source is evaluated that way.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CheckFailed, waitUntil } from './support.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Loads `url` in `page` (of a fresh context) and waits until the network has been quiet for
 * `quietMs`: `{ status, bytes, requests: [{ url, status, bytes }] }` (`status`: the document's).
 */
export async function measureFirstLoad(page, url, { quietMs = 700, timeout = 15_000 } = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const requests = new Map();
  let lastActivity = Date.now();
  const touch = (entry) => {
    if (!entry?.stream) lastActivity = Date.now();
  };
  cdp.on('Network.requestWillBeSent', (event) => {
    requests.set(event.requestId, { url: event.request.url, status: null, headerBytes: 0, dataBytes: 0, total: null, stream: false });
    lastActivity = Date.now();
  });
  cdp.on('Network.responseReceived', (event) => {
    const entry = requests.get(event.requestId);
    if (!entry) return;
    entry.status = event.response.status;
    entry.headerBytes = event.response.encodedDataLength ?? 0;
    entry.stream = event.response.mimeType === 'text/event-stream';
    touch(entry);
  });
  cdp.on('Network.dataReceived', (event) => {
    const entry = requests.get(event.requestId);
    if (!entry) return;
    entry.dataBytes += event.encodedDataLength ?? 0;
    touch(entry);
  });
  cdp.on('Network.loadingFinished', (event) => {
    const entry = requests.get(event.requestId);
    if (!entry) return;
    entry.total = event.encodedDataLength;
    touch(entry);
  });
  cdp.on('Network.loadingFailed', (event) => {
    const entry = requests.get(event.requestId);
    if (!entry) return;
    entry.total = entry.headerBytes + entry.dataBytes;
    entry.failed = event.errorText;
    touch(entry);
  });

  const response = await page.goto(url, { waitUntil: 'load' });
  await waitUntil(
    `the network to be quiet for ${quietMs} ms after loading ${url}`,
    () => {
      const pending = [...requests.values()].filter((entry) => entry.total === null && !entry.stream);
      return { done: pending.length === 0 && Date.now() - lastActivity >= quietMs, seen: pending.map((entry) => entry.url) };
    },
    { timeout, interval: 50 },
  );
  await cdp.detach();

  const listed = [...requests.values()].map((entry) => ({
    url: entry.url,
    status: entry.status,
    bytes: entry.total ?? entry.headerBytes + entry.dataBytes,
    ...(entry.stream ? { stream: true } : {}),
    ...(entry.failed ? { failed: entry.failed } : {}),
  }));
  return { status: response?.status() ?? null, bytes: listed.reduce((sum, entry) => sum + entry.bytes, 0), requests: listed };
}

/**
 * Starts recording, in the page, each text `#elementId` shows, with Date.now() at the change
 * (the element may be replaced by a re-render: the observer watches the whole document).
 */
export async function recordTextChanges(page, elementId) {
  await page.evaluate((id) => {
    const history = [];
    let last;
    const record = () => {
      const element = document.getElementById(id);
      const text = element ? element.textContent.trim() : null;
      if (text !== last) {
        last = text;
        history.push({ text, at: Date.now() });
      }
    };
    record();
    new MutationObserver(record).observe(document.documentElement, { subtree: true, childList: true, characterData: true });
    window.__livedropTextHistory ??= {};
    window.__livedropTextHistory[id] = history;
  }, elementId);
}

/**
 * Waits until the recorded history of `#elementId` holds, at or after `since`, a number
 * `<= expected`: that entry `{ text, at }`.
 */
export async function whenNumberShown(page, elementId, expected, since, { timeout = 5000 } = {}) {
  const answer = await waitUntil(
    `#${elementId} to show ${expected}`,
    async () => {
      const history = await page.evaluate((id) => window.__livedropTextHistory?.[id] ?? null, elementId);
      if (history === null) throw new CheckFailed(`no text history of #${elementId}: the page was reloaded?`);
      const shown = history.find((entry) => entry.at >= since && /^\d+$/.test(entry.text ?? '') && Number(entry.text) <= expected);
      return { done: Boolean(shown), shown, seen: history.slice(-3) };
    },
    { timeout, interval: 50 },
  );
  return answer.shown;
}

/** axe-core's violations of impact serious or critical on the page as it is now. */
export async function seriousAxeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const results = await window.axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.slice(0, 5).map((node) => ({
        target: node.target.join(' '),
        html: node.html.slice(0, 200),
        summary: node.failureSummary,
      })),
    }));
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}
