// The workspace's shared script: the CSRF token and one way to call the service.
// Plain ES module, no framework; text goes into pages with textContent, never innerHTML.

/** The session's CSRF token, from <meta name="csrf-token">. */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

/** A refusal from the service: its JSON {code, message, errors} and the HTTP status. */
export class RequestFailed extends Error {
  constructor(status, body) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || "error";
    this.errors = body.errors || {};
  }
}

/**
 * Call the workspace: JSON in, JSON out, the CSRF token on every request that changes
 * something, cookies of this site only; `keepalive` for a request sent as the page goes
 * away. Resolves to the parsed body (null when empty);
 * rejects with RequestFailed. A 401 means the session ended: go to the sign-in page.
 */
export async function request(url, { method = "GET", body, signal, keepalive = false } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    signal,
    keepalive, // outlives the page: a decision sent as the editor leaves it still arrives
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (response.status === 401) {
    const back = window.location.pathname + window.location.search;
    window.location.assign(`/redaktion/anmelden?weiter=${encodeURIComponent(back)}`);
  }
  if (!response.ok) throw new RequestFailed(response.status, parsed || {});
  return parsed;
}
