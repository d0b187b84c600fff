// A drop's live status and stock from its public stream (EventSource: no token needed).
// The server sends the state now, then at most ten updates a second; each update is shown
// as soon as it arrives. Updates carry `at`, so an older one (say, a stream opened before a
// fresher REST read) never overwrites a newer state. The stream has no resume: when the
// server ends it (`reconnect`) or refuses it, a new one starts from the state then.

const MAX_RETRY_MS = 15_000;

/**
 * Calls `onStock({dropId, available, status?, at})` for each update of `dropId`; returns
 * close(), which the view calls when it goes away.
 */
export function watchDropStock(dropId, onStock) {
  let source = null;
  let closed = false;
  let retryTimer = null;
  let failures = 0;

  function open() {
    if (closed) return;
    source = new EventSource(`/api/drops/${encodeURIComponent(dropId)}/events`);
    source.addEventListener('stock', (message) => {
      failures = 0;
      try {
        onStock(JSON.parse(message.data));
      } catch (error) {
        console.error('bad stock update', error);
      }
    });
    source.addEventListener('reconnect', () => reopen(0));
    source.addEventListener('error', () => {
      // EventSource retries network drops itself; an HTTP refusal (404, 429, 503) closes
      // it for good, so that case is retried here, with backoff.
      if (source?.readyState === EventSource.CLOSED) {
        failures += 1;
        reopen(Math.min(MAX_RETRY_MS, 500 * 2 ** failures) * (0.5 + Math.random() / 2));
      }
    });
  }

  function reopen(delay) {
    source?.close();
    source = null;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(open, delay);
  }

  open();
  return function close() {
    closed = true;
    clearTimeout(retryTimer);
    source?.close();
  };
}

/**
 * Keeps the newest of several stock readings: `accept(reading)` is true when `reading`
 * (with `at` or `updatedAt`) is not older than the last one accepted.
 */
export function newestFirst() {
  let latest = -Infinity;
  return function accept(reading) {
    const at = Date.parse(reading.at ?? reading.updatedAt ?? '');
    if (Number.isFinite(at) && at < latest) return false;
    if (Number.isFinite(at)) latest = at;
    return true;
  };
}
