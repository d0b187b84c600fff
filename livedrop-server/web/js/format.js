// How LiveDrop writes prices, statuses, dates and countdowns, plus the one shared
// one-second clock every countdown on screen follows (one timer, not one per card, and
// every view unsubscribes on leave so nothing ticks for a page that is gone).

const currencyFormats = new Map();

function currencyFormat(currency) {
  if (!currencyFormats.has(currency)) {
    currencyFormats.set(
      currency,
      new Intl.NumberFormat(undefined, { style: 'currency', currency }),
    );
  }
  return currencyFormats.get(currency);
}

/**
 * Digits of the currency's minor unit (2 for USD, 0 for JPY): prices travel in minor
 * units, so this is what converts them both ways.
 */
export function minorDigits(currency) {
  try {
    return currencyFormat(currency).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

export function formatPrice(priceCents, currency) {
  try {
    return currencyFormat(currency).format(priceCents / 10 ** minorDigits(currency));
  } catch {
    return `${(priceCents / 100).toFixed(2)} ${currency}`;
  }
}

/** "25.00" in `currency` → 2500, or null when it is not a price. */
export function parsePrice(text, currency) {
  const normalized = String(text).trim().replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(normalized)) return null;
  return Math.round(Number(normalized) * 10 ** minorDigits(currency));
}

const STATUS_WORDS = { scheduled: 'Upcoming', live: 'Live', sold_out: 'Sold out', ended: 'Ended' };

export function statusWords(status) {
  return STATUS_WORDS[status] ?? status;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : dateTime.format(date);
}

const pad = (number) => String(number).padStart(2, '0');

/** "Starts in 0:07" / "Starts in 1:02:03" / "Starts in 3d", or "Starting now". */
export function countdownText(startAt, now = Date.now()) {
  const seconds = Math.ceil((Date.parse(startAt) - now) / 1000);
  if (!(seconds > 0)) return 'Starting now';
  if (seconds >= 86400) return `Starts in ${Math.floor(seconds / 86400)}d`;
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = pad(seconds % 60);
  return hours > 0 ? `Starts in ${hours}:${pad(minutes)}:${rest}` : `Starts in ${minutes}:${rest}`;
}

/** A Date as the value a `datetime-local` input takes (local time, to the second). */
export function toLocalInputValue(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

const tickListeners = new Set();
let tickTimer = null;

/** Calls `listener` every second until the returned function is called. */
export function everySecond(listener) {
  tickListeners.add(listener);
  tickTimer ??= setInterval(() => {
    for (const each of [...tickListeners]) each(Date.now());
  }, 1000);
  return () => {
    tickListeners.delete(listener);
    if (tickListeners.size === 0 && tickTimer !== null) {
      clearInterval(tickTimer);
      tickTimer = null;
    }
  };
}

/**
 * The countdowns of one view: `add(element, startAt)` keeps the element's text current,
 * `stop()` ends them all (the view's cleanup).
 */
export function countdowns() {
  const tracked = new Map();
  let unsubscribe = null;
  const tick = (now) => {
    for (const [element, startAt] of tracked) {
      if (!element.isConnected) tracked.delete(element);
      else element.textContent = countdownText(startAt, now);
    }
  };
  return {
    add(element, startAt) {
      tracked.set(element, startAt);
      element.textContent = countdownText(startAt);
      unsubscribe ??= everySecond(tick);
    },
    stop() {
      tracked.clear();
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}
