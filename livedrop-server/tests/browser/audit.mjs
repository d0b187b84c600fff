// audit.mjs: what the run keeps of every page it shows (a full-page screenshot, axe's serious
// and critical violations), and the checks at the end of the flow on what was gathered along
// the way: the stock latencies (buyers.mjs, fan.mjs), axe's findings, and the script errors and
// CSP violations each actor's page reported (pages.mjs).

import { join } from 'node:path';
import { seriousAxeViolations } from './measure.mjs';
import { check, log, show } from './support.mjs';
import { options, result } from './run.mjs';

const STOCK_LATENCY_BUDGET_MS = 500;

const axeDetails = {};

export async function screenshot(page, name) {
  const path = join(options.out, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  result.screenshots.push(`${name}.png`);
  log(`  screenshot ${name}.png`);
}

/** Runs axe on the page, records serious/critical violation ids under `name` (asserted at the end). */
export async function axe(page, name) {
  const violations = await seriousAxeViolations(page);
  result.axe[name] = violations.map((violation) => violation.id);
  axeDetails[name] = violations;
  log(`  axe ${name}: ${violations.length ? violations.map((v) => `${v.id} (${v.impact})`).join(', ') : 'no serious/critical violations'}`);
}

export async function visit(page, name) {
  await screenshot(page, name);
  await axe(page, name);
}

/** Every stock change reached the fan's page within the budget. */
export function assertStockLatencies() {
  log(`  stock latencies ${show(result.stockLatencyMs)} ms, max ${result.stockLatencyMaxMs} (budget ${STOCK_LATENCY_BUDGET_MS})`);
  check(result.stockLatencyMaxMs <= STOCK_LATENCY_BUDGET_MS, `a stock update took ${result.stockLatencyMaxMs} ms to show, more than ${STOCK_LATENCY_BUDGET_MS}`);
}

export function assertAccessibility() {
  const failing = Object.entries(axeDetails).filter(([, violations]) => violations.length > 0);
  for (const [name, violations] of failing) {
    for (const violation of violations) {
      log(`  ${name}: ${violation.id} (${violation.impact}) ${violation.help}`);
      for (const node of violation.nodes) log(`      ${node.target}  ${node.html}\n        ${node.summary.replace(/\n/g, '\n        ')}`);
    }
  }
  check(failing.length === 0, `axe found serious/critical violations on: ${failing.map(([name, v]) => `${name} [${v.map((x) => x.id).join(', ')}]`).join('; ')}`);
}

export function assertNoScriptErrors() {
  for (const error of [...result.pageErrors, ...result.cspViolations]) log(`  ${error}`);
  check(result.pageErrors.length === 0, `${result.pageErrors.length} uncaught script error(s) in the pages`);
  check(result.cspViolations.length === 0, `${result.cspViolations.length} Content-Security-Policy violation(s) in the pages`);
}
