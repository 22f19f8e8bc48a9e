// The session REST API (/api/v1/sessions…) and the status endpoints. Failures become ApiError with the server's
// stable problem code (application/problem+json "code") and its message ("detail"), so the UI can say why in
// plain words; a network failure has code "network".

export class ApiError extends Error {
  constructor(code, detail, status) {
    super(detail || code);
    this.code = code;
    this.detail = detail;
    this.status = status;
  }
}

const KEY_STORAGE = "vlo.apiKey";

/** The API key this browser sends (only for servers that require one; empty otherwise). */
export function apiKey() {
  return localStorage.getItem(KEY_STORAGE) ?? "";
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

let onUnauthorized = () => {};

/** Called whenever the server answers 401 (no key, or a wrong one). */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

async function request(path, options = {}) {
  let response;
  const key = apiKey();
  try {
    response = await fetch(path, {
      ...options,
      headers: { Accept: "application/json", ...(key ? { Authorization: `Bearer ${key}` } : {}), ...(options.headers ?? {}) },
    });
  } catch (e) {
    throw new ApiError("network", e.message, 0);
  }
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") ?? "";
  const body = type.includes("json") ? await response.json().catch(() => null) : null;
  if (response.status === 401) onUnauthorized();
  if (!response.ok) throw new ApiError(body?.code ?? "other", body?.detail ?? body?.title ?? `HTTP ${response.status}`, response.status);
  return body;
}

export const createSession = () => request("/api/v1/sessions", { method: "POST" });
export const getSession = (id) => request(`/api/v1/sessions/${encodeURIComponent(id)}`);
export const deleteSession = (id) => request(`/api/v1/sessions/${encodeURIComponent(id)}`, { method: "DELETE" });
export const getStatus = () => request("/api/v1/status");
export const getStatusHistory = () => request("/api/v1/status/history");

const imageUrls = new Map(); // "session/image" → Promise of a blob: URL (the bytes never change: the id is their hash)

/**
 * A session image as a blob: URL, fetched once per page (GET …/images/{imageId}, with the API key, which an <img src>
 * could not send). Rejects with ApiError when the server refuses.
 */
export function imageUrl(sessionId, imageId) {
  const cacheKey = `${sessionId}/${imageId}`;
  if (!imageUrls.has(cacheKey)) {
    const key = apiKey();
    const loading = fetch(`/api/v1/sessions/${encodeURIComponent(sessionId)}/images/${encodeURIComponent(imageId)}`, {
      headers: key ? { Authorization: `Bearer ${key}` } : {},
    }).then(async (response) => {
      if (!response.ok) throw new ApiError("image_not_found", `HTTP ${response.status}`, response.status);
      return URL.createObjectURL(await response.blob());
    });
    loading.catch(() => imageUrls.delete(cacheKey)); // a failure is not remembered: the next view tries again
    imageUrls.set(cacheKey, loading);
  }
  return imageUrls.get(cacheKey);
}

/** Uploads one image file (multipart, keeping its name) → the image's facts and id. */
export function uploadImage(sessionId, file) {
  const form = new FormData();
  form.append("file", file, file.name || "pasted-image");
  return request(`/api/v1/sessions/${encodeURIComponent(sessionId)}/images`, { method: "POST", body: form });
}

/** A hub error's problem code and message: the server sends "…HubException: <code>: <message>". */
export function hubProblem(error) {
  const match = /HubException: ([a-z_]+): ([\s\S]*)$/.exec(error?.message ?? "");
  return match ? new ApiError(match[1], match[2].trim(), 0) : new ApiError("other", error?.message ?? String(error), 0);
}
