// Every API problem in words a person can act on, in one place. The server's `code` is
// the stable part of a problem (titles and details may change), so messages are chosen
// by code; anything not listed falls back to the problem's own title and detail, and a
// raw JSON body is never shown.

const WORDS = {
  sold_out: () => 'Sold out: every unit has been ordered.',
  limit_reached: () => "You have reached this drop's limit per buyer.",
  insufficient_stock: (p) =>
    Number.isInteger(p.problem.available)
      ? `Only ${p.problem.available} left: choose a smaller quantity.`
      : 'Not enough stock left for that quantity.',
  drop_not_live: () => 'This drop is not on sale right now.',
  drop_not_found: () => 'This drop does not exist.',
  rate_limited: (p) =>
    Number.isFinite(p.retryAfter)
      ? `Too many requests: try again in ${p.retryAfter} s.`
      : 'Too many requests: try again shortly.',
  invalid_credentials: () => 'Wrong email or password.',
  invalid_email: () => 'Enter a valid email address.',
  invalid_password: (p) => sentence(p.detail) || 'Choose a password of 8 to 128 characters.',
  invalid_registration_token: () => 'This link is not valid or has expired.',
  invalid_handle: (p) =>
    `${sentence(p.detail) || 'That handle is not allowed.'} Use 3 to 30 lower-case letters, digits or _, starting with a letter.`,
  already_exists: (p) => {
    if (p.detail.startsWith('user')) return 'An account with this email already exists: log in instead.';
    if (p.detail.startsWith('creator')) return 'That handle is taken: choose another.';
    return 'That already exists.';
  },
  unauthorized: () => 'Your sign-in has ended: log in again.',
  sign_in_ended: () => 'Your sign-in has ended: log in again.',
  forbidden: () => 'You are not allowed to do that.',
  not_found: () => 'That could not be found.',
  unknown_currency: () => 'Enter a three-letter currency code such as USD or EUR.',
  negative_price: () => 'The price cannot be negative.',
  start_not_before_end: () => 'The drop must start before it ends.',
  initial_stock_not_positive: () => 'Stock must be at least 1.',
  low_stock_threshold_out_of_range: () =>
    'The low-stock threshold must be between 0 and the stock.',
  max_per_user_not_positive: () => 'The limit per buyer must be at least 1.',
  quantity_out_of_range: (p) => sentence(p.detail) || 'Choose a quantity from 1 to 10.',
  unsupported_media_type: () => 'Choose a PNG, JPEG, WebP or GIF image.',
  payload_too_large: () => 'That file is too large.',
  idempotency_key_in_flight: () => 'Your order is still being placed: try again in a moment.',
  unavailable: () => 'LiveDrop is having trouble right now: try again in a moment.',
  internal: () => 'Something went wrong on our side: try again in a moment.',
};

/** "handle must be ..." → "Handle must be ...." */
function sentence(text) {
  if (!text) return '';
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** Words for any error a call can raise, or '' when there is nothing to tell (aborted). */
export function describeError(error) {
  if (!error || error.name === 'AbortError') return '';
  if (error.name === 'ApiProblem') {
    const words = WORDS[error.code];
    if (words) return words(error);
    if (error.status >= 500) return WORDS.unavailable();
    const title = sentence(error.title);
    const detail = sentence(error.detail);
    if (title && detail) return `${title}: ${detail.charAt(0).toLowerCase()}${detail.slice(1)}`;
    return title || detail || 'The request was refused.';
  }
  if (error instanceof TypeError) {
    return 'Could not reach LiveDrop: check your connection and try again.';
  }
  return 'Something went wrong: try again.';
}
