// Calls to the API as the signed-in user: adds the bearer token, refreshes it first when
// it is about to lapse, and on a 401 refreshes once and retries once (the token may have
// expired in flight or been refreshed by another tab's sign-in). Errors are ApiProblem
// (see http.js) or the fetch's own TypeError when the network fails.

import { ApiProblem, send } from './http.js';
import { currentAccessToken, currentUser, ensureFreshToken, refreshSession } from './session.js';

export { ApiProblem };

export async function api(path, options = {}) {
  const token = await ensureFreshToken();
  try {
    return await send(path, { ...options, token });
  } catch (error) {
    if (!(token && error instanceof ApiProblem && error.status === 401)) throw error;
    if (!(await refreshSession())) throw error;
    return send(path, { ...options, token: currentAccessToken() });
  }
}

/** `path?name=value&...`, leaving out empty values. */
export function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The signed-in user's own collection path, e.g. mine('orders') → /users/<id>/orders. */
export function mine(collection) {
  const user = currentUser();
  if (!user) throw new ApiProblem({ code: 'unauthorized', title: 'Unauthorized' }, 401);
  return `/users/${encodeURIComponent(user.id)}/${collection}`;
}
