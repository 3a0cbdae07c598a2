// @ts-check
// The REST API, as bots use it: JSON under /api/v1 with a bearer token. An expired access
// token is refreshed once with the refresh token, and the request retried.

const BASE = '/api/v1';
const TOKEN = 'chat.token';
const REFRESH = 'chat.refresh';

/** An error answer of the API: its status, `code` and `message`. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** @returns {string | null} */
export function token() {
  return localStorage.getItem(TOKEN);
}

/** @param {{ token: string, refresh_token: string }} pair */
export function keepTokens(pair) {
  localStorage.setItem(TOKEN, pair.token);
  localStorage.setItem(REFRESH, pair.refresh_token);
}

export function forgetTokens() {
  localStorage.removeItem(TOKEN);
  localStorage.removeItem(REFRESH);
}

/** @type {Promise<boolean> | null} */
let refreshing = null;

/** Trades the refresh token for a new pair; false when the session is over. */
async function refresh() {
  const refresh_token = localStorage.getItem(REFRESH);
  if (!refresh_token) return false;
  refreshing ??= fetch(`${BASE}/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token }),
  })
    .then(async (response) => {
      if (!response.ok) return false;
      keepTokens(await response.json());
      return true;
    })
    .catch(() => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/**
 * Calls the API; resolves with the JSON answer (null for 204). A moderator's `reason` goes
 * into the server's audit log.
 * @param {string} method
 * @param {string} path under /api/v1
 * @param {unknown} [body]
 * @param {string} [reason]
 * @returns {Promise<any>}
 */
export async function call(method, path, body, reason) {
  for (let attempt = 0; ; attempt += 1) {
    /** @type {Record<string, string>} */
    const headers = {};
    const bearer = token();
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (reason) headers['x-audit-log-reason'] = encodeURIComponent(reason);
    const response = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401 && attempt === 0 && bearer && !path.startsWith('/auth/')) {
      if (await refresh()) continue;
    }
    if (response.status === 204) return null;
    const answer = await response.json().catch(() => null);
    if (!response.ok) {
      throw new ApiError(
        response.status,
        answer?.code ?? 'http_error',
        answer?.message ?? `${response.status} ${response.statusText}`,
      );
    }
    return answer;
  }
}

/**
 * Posts a form with files, reporting the upload's progress (0 to 1); resolves with the JSON
 * answer. The token is refreshed once, as for other calls.
 * @param {string} path under /api/v1
 * @param {FormData} form
 * @param {(done: number) => void} onProgress
 * @returns {Promise<any>}
 */
export async function upload(path, form, onProgress) {
  for (let attempt = 0; ; attempt += 1) {
    const bearer = token();
    /** @type {{ status: number, answer: any }} */
    const result = await new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open('POST', BASE + path);
      if (bearer) request.setRequestHeader('authorization', `Bearer ${bearer}`);
      request.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
      request.onload = () => {
        let answer = null;
        try {
          answer = JSON.parse(request.responseText);
        } catch {
          // not JSON
        }
        resolve({ status: request.status, answer });
      };
      request.onerror = () => reject(new ApiError(0, 'network', 'the upload failed'));
      request.send(form);
    });
    if (result.status === 401 && attempt === 0 && bearer && (await refresh())) continue;
    if (result.status < 200 || result.status >= 300) {
      throw new ApiError(result.status, result.answer?.code ?? 'http_error', result.answer?.message ?? `${result.status}`);
    }
    return result.answer;
  }
}

/** @param {string} path */
export const get = (path) => call('GET', path);
/** @param {string} path @param {unknown} [body] */
export const post = (path, body) => call('POST', path, body);
/** @param {string} path @param {unknown} [body] @param {string} [reason] */
export const patch = (path, body, reason) => call('PATCH', path, body, reason);
/** @param {string} path @param {unknown} [body] @param {string} [reason] */
export const put = (path, body, reason) => call('PUT', path, body, reason);
/** @param {string} path @param {string} [reason] */
export const del = (path, reason) => call('DELETE', path, undefined, reason);

/**
 * A query string from the defined values.
 * @param {Record<string, string | number | undefined | null>} params
 */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
