// The signed-in user's live events (notifications), read with fetch and a stream reader
// rather than EventSource: each connection needs a fresh single-use realtime token and
// must resume with `Last-Event-ID: <last id seen>`, which EventSource cannot do. Any end
// or error reconnects (new token, same resume point) with jittered backoff; a 401 on the
// token call means the sign-in itself ended, so this tab signs out.
// Listeners get {type, id, data}; `data` is parsed JSON for notification events.

import { api, ApiProblem } from './api.js';
import { createSseParser } from './sse-parse.js';
import { endSessionLocally } from './session.js';

const listeners = new Set();

/** Calls `listener(event)` for every event of the user stream; returns the unsubscribe. */
export function onUserEvent(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(event) {
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch (error) {
      console.error('user event listener failed', error);
    }
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** 0.5 s doubling to 10 s, each between half and all of that (spreads a server restart). */
function backoff(failures) {
  const ceiling = Math.min(10_000, 500 * 2 ** failures);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Opens the stream and keeps it open until the returned stop() is called. */
export function startUserEvents() {
  let stopped = false;
  let connection = null;
  let lastId = '';

  async function readOnce() {
    const { token } = await api('/api/realtime/token');
    if (stopped) return false;
    connection = new AbortController();
    const headers = { Accept: 'text/event-stream' };
    if (lastId) headers['Last-Event-ID'] = lastId;
    const response = await fetch(`/api/realtime/events?token=${encodeURIComponent(token)}`, {
      headers,
      cache: 'no-store',
      credentials: 'same-origin',
      signal: connection.signal,
    });
    if (!response.ok || !response.body) {
      throw new ApiProblem({ code: `http_${response.status}` }, response.status);
    }
    let healthy = false;
    const parser = createSseParser((raw) => {
      if (raw.id) lastId = raw.id;
      healthy = true;
      let data = raw.data;
      try {
        data = JSON.parse(raw.data);
      } catch {
        // `open`/`reset` carry little or nothing; keep the text.
      }
      emit({ type: raw.type, id: raw.id, data });
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    return healthy;
  }

  (async () => {
    let failures = 0;
    while (!stopped) {
      try {
        // A stream that delivered anything was healthy: its end (a `reconnect` event, a
        // server restart) starts the backoff over.
        failures = (await readOnce()) ? 0 : failures + 1;
      } catch (error) {
        if (stopped || error?.name === 'AbortError') return;
        if (error instanceof ApiProblem && error.status === 401 && !connection) {
          endSessionLocally(); // the token call itself was refused: the sign-in is over
          return;
        }
        failures += 1;
      }
      connection = null;
      if (!stopped) await sleep(backoff(failures));
    }
  })();

  return function stop() {
    stopped = true;
    connection?.abort();
  };
}
