// support.mjs: the browser test's small toolkit: command-line options, a timestamped step log,
// checks that fail with a readable reason, polling waits, and a PNG maker.
//
// Why: flow.mjs should read as the acceptance flow and nothing else. Waits poll (expect-style)
// instead of sleeping, and their failures say what was awaited and what was last seen, so a
// red run explains itself from the log alone.

import { deflateSync } from 'node:zlib';

/**
 * Options: `--base-url URL --out DIR --mail-dir DIR [--lead-seconds N]` (`--mail-dir`: where the
 * server writes its mail, see mail.mjs); env `CHROMIUM` names the browser.
 */
export function parseArgs(argv) {
  const options = {
    baseUrl: null,
    out: null,
    mailDir: null,
    // How far ahead the drop starts when the creator schedules it. It must cover: the
    // creator's form round trip, the fan opening the drop page (screenshot, axe) and reading
    // the unread badge. About 3-5 s on a 2-core machine; 15 s leaves a wide margin.
    leadSeconds: 15,
    chromium: process.env.CHROMIUM || '/usr/bin/chromium',
  };
  for (let i = 0; i < argv.length; i += 1) {
    const [name, inline] = argv[i].split(/=(.*)/s);
    const value = inline ?? argv[++i];
    if (name === '--base-url') options.baseUrl = value;
    else if (name === '--out') options.out = value;
    else if (name === '--mail-dir') options.mailDir = value;
    else if (name === '--lead-seconds') options.leadSeconds = Number(value);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!options.baseUrl || !options.out || !options.mailDir) {
    throw new Error('usage: node flow.mjs --base-url http://127.0.0.1:PORT --out DIR --mail-dir DIR [--lead-seconds N]');
  }
  if (!(options.leadSeconds >= 5)) throw new Error('--lead-seconds must be a number >= 5');
  options.baseUrl = options.baseUrl.replace(/\/+$/, '');
  return options;
}

const startedAt = Date.now();

/** One log line, prefixed with the seconds since the start. */
export function log(message) {
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(6);
  console.log(`[${seconds}s] ${message}`);
}

/** A check that did not hold: the message says what was expected and what was seen. */
export class CheckFailed extends Error {
  name = 'CheckFailed';
}

export function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

/** Every step run so far, with its duration and outcome (copied into result.json). */
export const steps = [];
/** The step running now (named by a failure that does not come from inside a step). */
export const progress = { step: null };

/** Runs one named step of the flow, logging its start, end and duration. */
export async function step(name, body) {
  log(`▶ ${name}`);
  progress.step = name;
  const began = Date.now();
  try {
    const value = await body();
    const ms = Date.now() - began;
    steps.push({ name, ok: true, ms });
    log(`✔ ${name} (${ms} ms)`);
    return value;
  } catch (error) {
    const ms = Date.now() - began;
    steps.push({ name, ok: false, ms, error: error.message });
    log(`✘ ${name} (${ms} ms)`);
    error.step ??= name;
    throw error;
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it answers `{ done: true, ... }` (returned) or `timeout` ms pass (then a
 * CheckFailed naming `what` and the probe's last `seen`).
 */
export async function waitUntil(what, probe, { timeout = 5000, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const answer = await probe();
    if (answer.done) return answer;
    if (Date.now() >= deadline) {
      throw new CheckFailed(`timed out after ${timeout} ms waiting for ${what}; last seen: ${show(answer.seen)}`);
    }
    await sleep(interval);
  }
}

/** A value for a log line: strings quoted, absent values named. */
export function show(value) {
  if (value === undefined) return '(nothing)';
  if (value === null) return '(absent)';
  return JSON.stringify(value);
}

/** A valid PNG of `width` x `height` pixels, all of one RGB colour. */
export function solidPng(width, height, [red, green, blue]) {
  const row = Buffer.alloc(1 + width * 3); // filter byte 0 (none), then RGB triples
  for (let x = 0; x < width; x += 1) row.set([red, green, blue], 1 + x * 3);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.concat(Array(height).fill(row)))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type, data) {
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
