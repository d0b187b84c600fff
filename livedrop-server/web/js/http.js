// One HTTP exchange with the API, and the error it raises when the answer is a problem.
// Kept apart from api.js (which adds the access token and the refresh-on-401 retry) so
// that session.js can call the sign-in routes without depending on itself.

/** An `application/problem+json` answer (or any non-2xx), with its stable `code`. */
export class ApiProblem extends Error {
  constructor(problem, status, retryAfter) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiProblem';
    this.status = problem.status ?? status;
    this.code = problem.code ?? `http_${status}`;
    this.title = problem.title ?? '';
    this.detail = problem.detail ?? '';
    this.problem = problem;
    this.retryAfter = problem.retryAfter ?? retryAfter;
  }
}

/** The problem a failed response carries (a plain one when its body is not JSON). */
export async function problemFrom(response) {
  const header = Number.parseInt(response.headers.get('retry-after') ?? '', 10);
  const retryAfter = Number.isFinite(header) ? header : undefined;
  let problem = {};
  try {
    const parsed = await response.json();
    if (parsed && typeof parsed === 'object') problem = parsed;
  } catch {
    // Not JSON (a proxy's error page, say): the status alone will have to do.
  }
  return new ApiProblem(problem, response.status, retryAfter);
}

/**
 * Sends one request: `body` as JSON, `token` as a bearer token. Resolves to the parsed
 * JSON (null for an empty answer), rejects with ApiProblem for non-2xx answers and with
 * the fetch's own TypeError when the network fails.
 */
export async function send(path, { method = 'GET', body, headers = {}, token, signal } = {}) {
  const init = {
    method,
    headers: { Accept: 'application/json', ...headers },
    credentials: 'same-origin',
    signal,
  };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  if (token) init.headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, init);
  if (!response.ok) throw await problemFrom(response);
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') ?? '';
  return type.includes('json') ? response.json() : null;
}
