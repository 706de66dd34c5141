'use strict';

// How the app talks to Tieline's web face: where it is, the bearer token on API calls only,
// and the API's RFC 9457 problems turned into the errors Zapier shows and acts on.

const API = '/api/v1';
const PROBLEM = 'urn:tieline:problem:';
/** What the app asks Tieline for: reading events (REST hooks), reading and creating issues. */
const SCOPES = 'events:read issues:read issues:write';

/**
 * The web face's root from what the person typed: trimmed, without trailing slashes and
 * without `/api/v1` (pasting the API's address works too).
 */
const normaliseBaseUrl = (value) => {
  let url = String(value || '')
    .trim()
    .replace(/\/+$/, '');
  if (url.endsWith(API)) {
    url = url.slice(0, -API.length).replace(/\/+$/, '');
  }
  if (!/^https?:\/\/[^/]/i.test(url)) {
    throw new Error(
      `Tieline's address must be an http(s) URL (your tunnel's public https:// address), not ${JSON.stringify(
        String(value || ''),
      )}`,
    );
  }
  return url;
};

/** The web face's root for this bundle: stored with the connection, or being entered now. */
const baseUrl = (bundle) =>
  normaliseBaseUrl(
    (bundle.authData && bundle.authData.base_url) || (bundle.inputData && bundle.inputData.base_url),
  );

/** The absolute address of an API path (`/issues`). */
const apiUrl = (bundle, path) => `${baseUrl(bundle)}${API}${path}`;

const isApiRequest = (url) => typeof url === 'string' && url.includes(`${API}/`);

/**
 * beforeRequest: the access token goes to the API, and only there (never to the OAuth
 * endpoints, which authenticate the client by its id and secret).
 */
const addBearer = (request, z, bundle) => {
  const token = bundle.authData && bundle.authData.access_token;
  if (token && isApiRequest(request.url)) {
    request.headers = request.headers || {};
    if (!request.headers.Authorization && !request.headers.authorization) {
      request.headers.Authorization = `Bearer ${token}`;
    }
  }
  return request;
};

/** The problem a response carries (`{}` when its body is not one). */
const problemOf = (response) => {
  const data = response.data;
  return data && typeof data === 'object' && !Array.isArray(data) ? data : {};
};

/** The stable part of a problem's `type` (`not-found`), or `http-STATUS` without one. */
const problemSlug = (problem, status) =>
  typeof problem.type === 'string' && problem.type.startsWith(PROBLEM)
    ? problem.type.slice(PROBLEM.length)
    : `http-${status}`;

const problemMessage = (problem, status) => {
  let message = problem.detail || problem.title || `Tieline answered HTTP ${status}`;
  if (Array.isArray(problem.errors) && problem.errors.length) {
    const fields = problem.errors
      .map((e) => `${(e.loc || []).join('.')}: ${e.msg}`)
      .join('; ');
    message = `${message} (${fields})`;
  }
  if (problem.scope) {
    message = `${message}. The connection lacks the scope ${problem.scope}: reconnect Tieline and allow it.`;
  }
  return message;
};

/**
 * The Zapier error for an API error response (returns the response when it is none). 401 asks
 * Zapier to refresh the token (and, when that fails, to reconnect); 429 is throttling,
 * retried after `retry_after`; anything else is `z.errors.Error(detail, problem slug,
 * status)`, so a Zap's history shows what Tieline said and a developer can branch on the slug.
 */
const raiseForProblem = (response, z) => {
  const status = response.status;
  if (status < 400) {
    return response;
  }
  const problem = problemOf(response);
  if (status === 401) {
    throw new z.errors.RefreshAuthError(
      problem.detail || 'Tieline did not accept the access token',
    );
  }
  const message = problemMessage(problem, status);
  if (status === 429) {
    const header = parseInt(response.headers.get('retry-after'), 10);
    const delay = Number.isFinite(problem.retry_after) ? problem.retry_after : header;
    throw new z.errors.ThrottledError(message, Number.isFinite(delay) ? delay : 60);
  }
  throw new z.errors.Error(message, problemSlug(problem, status), status);
};

/** afterResponse: API errors as Zapier errors ({@link raiseForProblem}). Requests that look
 * at their own status (`skipThrowForStatus`: the OAuth token calls, an unsubscribe that
 * takes 404 as done) pass through, and so does anything outside the API. */
const handleErrors = (response, z) =>
  response.skipThrowForStatus || !isApiRequest(response.request.url)
    ? response
    : raiseForProblem(response, z);

/** A GET/POST/DELETE on the API, its parsed JSON answer (or `null` for 204). */
const call = async (z, bundle, method, path, options = {}) => {
  const response = await z.request({
    method,
    url: apiUrl(bundle, path),
    headers: { Accept: 'application/json', ...(options.headers || {}) },
    params: options.params,
    body: options.body,
    skipThrowForStatus: options.skipThrowForStatus,
  });
  return { response, data: response.status === 204 ? null : response.data };
};

module.exports = {
  API,
  PROBLEM,
  SCOPES,
  addBearer,
  apiUrl,
  baseUrl,
  call,
  handleErrors,
  normaliseBaseUrl,
  problemMessage,
  problemOf,
  problemSlug,
  raiseForProblem,
};
