// api.js — the one caller of the REST API (docs/api.md) for every page.
//
// The session cookie goes along by itself (same origin); every call that changes something
// carries the CSRF token of GET /api/v1/session in X-CSRF-Token. A failed call throws an
// ApiError with the API's own code and message, which the pages show as they are.

const BASE = "/api/v1";
let csrfToken = "";

export function setCsrfToken(token) {
    csrfToken = token || "";
}

export class ApiError extends Error {
    constructor(status, code, message) {
        super(message);
        this.status = status;
        this.code = code;
    }
}

// A query string from an object, leaving out empty values.
export function query(params) {
    const q = new URLSearchParams();
    for (const [key, value] of Object.entries(params || {})) {
        if (value !== undefined && value !== null && value !== "") q.set(key, String(value));
    }
    const text = q.toString();
    return text ? "?" + text : "";
}

// The part of a path that names one object: a domain name, a thumbprint, a user name.
export function segment(value) {
    return encodeURIComponent(value);
}

async function readBody(response) {
    const type = response.headers.get("Content-Type") || "";
    if (response.status === 204) return null;
    if (type.includes("application/json")) return response.json();
    return response.text();
}

function errorOf(response, body) {
    if (body && typeof body === "object" && body.error) {
        return new ApiError(response.status, body.error.code || "", body.error.message || "");
    }
    if (response.status === 401) {
        return new ApiError(401, "unauthorized", "Your session has ended: log in again.");
    }
    const text = typeof body === "string" && body.length < 300 ? body.trim() : "";
    return new ApiError(response.status, "http_" + response.status,
                        text || `The server answered ${response.status} ${response.statusText}.`);
}

// One call. options: json (an object sent as JSON), body + contentType (raw bytes or text),
// force (appends force=true: the "do it anyway" of a needs_force answer).
export async function call(method, path, options = {}) {
    const headers = {Accept: "application/json"};
    let body;
    if (options.json !== undefined) {
        headers["Content-Type"] = "application/json";
        body = JSON.stringify(options.json);
    } else if (options.body !== undefined) {
        headers["Content-Type"] = options.contentType || "application/octet-stream";
        body = options.body;
    }
    if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrfToken;
    let url = BASE + path;
    if (options.force) url += (url.includes("?") ? "&" : "?") + "force=true";
    let response;
    try {
        response = await fetch(url, {method, headers, body, credentials: "same-origin"});
    } catch (e) {
        throw new ApiError(0, "network", "The gateway did not answer: " + e.message);
    }
    const data = await readBody(response).catch(() => null);
    if (!response.ok) throw errorOf(response, data);
    return data;
}

export const get = (path) => call("GET", path);
export const post = (path, json, options = {}) => call("POST", path, {...options, json});
export const patch = (path, json, options = {}) => call("PATCH", path, {...options, json});
export const put = (path, json, options = {}) => call("PUT", path, {...options, json});
export const del = (path, options = {}) => call("DELETE", path, options);
