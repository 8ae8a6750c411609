// ui.js — what every page shares: the session, the message regions, the "do it anyway" offer.
//
// Errors go to #alerts (role="alert": read out at once), results and warnings to #notices
// (role="status"). Both are cleared when the page changes.

import {h, replace} from "./dom.js";

export const session = {user: "", role: "viewer", csrf_token: ""};

// An admin may change things; a viewer only reads (the API answers 403 to a viewer's change).
export function canChange() {
    return session.role === "admin";
}

function alerts() {
    return document.getElementById("alerts");
}

function notices() {
    return document.getElementById("notices");
}

export function clearMessages() {
    alerts().replaceChildren();
    notices().replaceChildren();
}

// Messages shown before a change of page (an import's warnings, "Deleted ...") stay for the
// page it leads to; any other change of page clears them.
let carryMessages = false;

export function navigate(hash) {
    if (location.hash === hash) return;
    carryMessages = true;
    location.hash = hash;
}

export function pageChanged() {
    if (!carryMessages) clearMessages();
    carryMessages = false;
}

function dismissible(kind, dataTest, ...content) {
    const box = h("div", {class: "message " + kind, dataTest},
                  h("div", {class: "message-text"}, content));
    const close = h("button", {type: "button", class: "link close", "aria-label": "Dismiss",
                               on: {click: () => box.remove()}}, "×");
    box.append(close);
    return box;
}

// Shows an error: an ApiError's message as the API wrote it, with its code for the log reader.
export function showError(error, extra) {
    const message = error && error.message ? error.message : String(error);
    const code = error && error.code ? error.code : "";
    if (error && error.status === 401 && !extra) {
        extra = h("div", {class: "actions"}, h("a", {href: "/", class: "button", dataTest: "login-again"}, "Log in again"));
    }
    const box = dismissible("error", "error",
                            h("strong", null, "Error: "), h("span", {dataTest: "error-message"}, message),
                            code ? h("span", {class: "code", dataTest: "error-code"}, ` (${code})`) : null,
                            extra || null);
    alerts().replaceChildren(box);
    box.scrollIntoView({block: "nearest"});
}

export function showNotice(text, ...more) {
    notices().append(dismissible("ok", "notice", h("span", null, text), more));
}

export function showWarnings(warnings) {
    if (!Array.isArray(warnings) || warnings.length === 0) return;
    notices().append(dismissible("warn", "warnings", h("strong", null, "Warning"),
                                 h("ul", null, warnings.map((w) => h("li", {dataTest: "warning"}, w)))));
}

// Runs a change; on a needs_force answer shows its message with a "Do it anyway" button that
// runs it again with force. action(force) returns the API's answer; done(answer) shows it.
export async function change(action, done) {
    clearMessages();
    try {
        const answer = await action(false);
        if (done) await done(answer);
        showWarnings(answer && answer.warnings);
    } catch (error) {
        if (error.code !== "needs_force") {
            showError(error);
            return;
        }
        const again = h("button", {type: "button", class: "danger", dataTest: "force",
                                   on: {click: async () => {
                                       again.disabled = true;
                                       await change(async () => action(true), done);
                                   }}}, "Do it anyway");
        showError(error, h("div", {class: "actions"}, again));
        again.focus();
    }
}

// Shows a page's loading failure in place of its content.
export function loadFailed(main, error) {
    showError(error);
    replace(main, h("h1", null, "Could not load this page"),
            h("p", null, "The error above says why. ",
              h("a", {href: location.hash || "#/dashboard"}, "Try again")));
}

// A button that asks before it acts (deletions, revocations).
export function confirmButton(label, question, action, attrs = {}) {
    return h("button", {type: "button", class: "danger", ...attrs,
                        on: {click: () => {
                            if (window.confirm(question)) action();
                        }}}, label);
}

// The heading of a page, with optional actions on the right.
export function pageHead(title, ...actions) {
    actions = actions.filter(Boolean);
    return h("div", {class: "page-head"}, h("h1", {id: "page-title", dataTest: "page-title"}, title),
             actions.length ? h("div", {class: "actions"}, actions) : null);
}

// Disables a form's submit button while the action runs.
export async function busy(button, action) {
    button.disabled = true;
    try {
        return await action();
    } finally {
        button.disabled = false;
    }
}
