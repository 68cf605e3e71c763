// The one way the pages talk to the server: JSON over fetch, same origin, cookie session.
// State-changing requests carry the CSRF token (X-CSRF-Token) that the login answer or /api/me gives.

const csrfKey = 'twitchwatch.csrf';

export class ApiError extends Error {
  constructor(status, body, retryAfter = null) {
    super(body?.error || `The server answered ${status}.`);
    this.status = status;
    this.field = body?.field ?? null;
    /** Seconds to wait before trying again (the Retry-After header of a 429 or 503), or null. */
    this.retryAfter = retryAfter;
  }
}

/** Retry-After in seconds: either a number of seconds or an HTTP date; null when absent or unreadable. */
function retryAfterSeconds(header) {
  if (!header) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

export function rememberCsrf(token) {
  if (token) sessionStorage.setItem(csrfKey, token);
}

export function forgetCsrf() {
  sessionStorage.removeItem(csrfKey);
}

async function send(method, path, body, csrf) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, { error: 'Could not reach the server. Check your connection and try again.' });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { error: `The server answered ${response.status}.` };
    }
  }
  if (!response.ok) throw new ApiError(response.status, data, retryAfterSeconds(response.headers.get('Retry-After')));
  return data;
}

/** GET without a token (reads never change state). */
export function get(path) {
  return send('GET', path);
}

/** Requests from a client link: the unguessable token in the path is the credential, no cookie. */
export function postAsClient(path, body) {
  return send('POST', path, body);
}

/** A therapist's state-changing request; fetches the CSRF token once if this tab has none. */
export async function change(method, path, body) {
  let token = sessionStorage.getItem(csrfKey);
  if (!token) token = await refreshCsrf();
  try {
    return await send(method, path, body, token);
  } catch (error) {
    // The token may be stale (signed in again in another tab): fetch it again and retry once.
    if (error.status !== 403) throw error;
    return send(method, path, body, await refreshCsrf());
  }
}

async function refreshCsrf() {
  const me = await get('/api/me');
  rememberCsrf(me.csrf_token);
  return me.csrf_token;
}

/** Therapist pages: a 401 means the session ended, so go to the sign-in page. */
export function redirectWhenSignedOut(error) {
  if (error instanceof ApiError && error.status === 401) {
    forgetCsrf();
    location.assign(`/?next=${encodeURIComponent(location.pathname)}`);
    return true;
  }
  return false;
}
