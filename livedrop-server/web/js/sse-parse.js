// A server-sent events parser for streams read with fetch (the user stream cannot use
// EventSource: it needs a Last-Event-ID we choose and a fresh token per connection).
// Follows the WHATWG event-stream rules that matter here: lines end in CRLF, LF or CR;
// `:` lines are comments (heartbeats); `event`, `data` (joined by newlines) and `id`
// fields; a blank line dispatches; the last id persists across events.

export function createSseParser(onEvent) {
  let buffer = '';
  let type = '';
  let data = [];
  let lastEventId = '';

  function line(text) {
    if (text === '') {
      if (data.length > 0) {
        onEvent({ type: type || 'message', data: data.join('\n'), id: lastEventId });
      }
      type = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) lastEventId = value;
    // `retry` is ignored: reconnecting is the reader's own policy.
  }

  return {
    /** Feeds decoded text; calls onEvent for each complete event. */
    push(chunk) {
      buffer += chunk;
      const ends = /\r\n|\n|\r/g;
      let start = 0;
      let match;
      while ((match = ends.exec(buffer)) !== null) {
        // A CR at the very end may be the first half of a CRLF split across chunks.
        if (match[0] === '\r' && match.index === buffer.length - 1) break;
        line(buffer.slice(start, match.index));
        start = match.index + match[0].length;
      }
      buffer = buffer.slice(start);
    },
    /** The id of the last event seen ('' before any). */
    get lastEventId() {
      return lastEventId;
    },
  };
}
