// page-maillog.js — #/maillog?filters (search, paged with the cursor) and #/maillog/<id>
// (one copy: what was done, with which keys, its signature, how it went to the next hop).

import {get, query, segment} from "./api.js";
import {h, replace, table, field, select, facts, when, grouped} from "./dom.js";
import {pageHead} from "./ui.js";

const ACTIONS = ["encrypted-smime", "encrypted-pgp", "decrypted-smime", "decrypted-pgp", "passed", "refused",
                 "deferred"];
// What the hash keeps besides the cursor: the filters and the page size ("limit", 50 unless given).
const FILTERS = ["sender", "recipient", "message_id", "action", "since", "limit"];

// The signature of a copy (docs/signing.md): its first word as a badge ("valid", "signed",
// "invalid", "not signed", "none"), the whole text as its title; nothing where signing had no say.
function signatureBadge(signature) {
    if (!signature) return "—";
    const word = signature.split(";")[0].trim();
    const cls = word === "valid" || word === "signed" ? "good"
        : word === "invalid" ? "bad" : word === "not signed" ? "warn" : "";
    return h("span", {class: "badge " + cls, title: signature, dataTest: "signature"}, word);
}

function actionBadge(action) {
    const cls = action === "refused" ? "bad" : action === "deferred" ? "warn"
        : action && action !== "passed" ? "good" : "";
    return h("span", {class: "badge " + cls, dataTest: "action"}, action);
}

// datetime-local "2025-03-01T12:00" (local time) ↔ Unix seconds in the hash.
function sinceSeconds(localText) {
    if (!localText) return "";
    const t = new Date(localText).getTime();
    return Number.isNaN(t) ? "" : String(Math.floor(t / 1000));
}

function sinceLocal(seconds) {
    if (!seconds || !/^\d+$/.test(seconds)) return "";
    const d = new Date(Number(seconds) * 1000);
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function filterForm(params) {
    const input = (name, type, placeholder) =>
        h("input", {type, id: "log-" + name, name, value: params.get(name) || "", placeholder,
                    autocomplete: "off", dataTest: "log-" + name});
    const sender = input("sender", "text", "alice@example.com");
    const recipient = input("recipient", "text", "bob@partner.example");
    const messageId = input("message_id", "text", "without < >");
    const action = select([["", "any"], ...ACTIONS.map((a) => [a, a])], params.get("action") || "",
                          {id: "log-action", name: "action", dataTest: "log-action"});
    const since = h("input", {type: "datetime-local", id: "log-since", value: sinceLocal(params.get("since")),
                              dataTest: "log-since"});
    const form = h("form", {class: "filters", role: "search", "aria-label": "Search the mail log"},
                   field("Sender", sender), field("Recipient", recipient), field("Message-ID", messageId),
                   field("Action", action), field("Since (local time)", since),
                   h("div", {class: "field submit buttons"},
                     h("button", {type: "submit", dataTest: "log-search"}, "Search"),
                     h("a", {href: "#/maillog", class: "button"}, "Clear")));
    form.addEventListener("submit", (event) => {
        event.preventDefault();
        location.hash = "#/maillog" + query({sender: sender.value.trim(), recipient: recipient.value.trim(),
                                             message_id: messageId.value.trim().replace(/^<|>$/g, ""),
                                             action: action.value, since: sinceSeconds(since.value),
                                             limit: params.get("limit") || ""});
    });
    return form;
}

function pager(params, nextCursor) {
    const base = {};
    for (const name of FILTERS) base[name] = params.get(name) || "";
    const links = [];
    if (params.get("cursor")) links.push(h("a", {href: "#/maillog" + query(base), class: "button"}, "← Newest"));
    if (nextCursor) {
        links.push(h("a", {href: "#/maillog" + query({...base, cursor: nextCursor}), class: "button",
                           dataTest: "log-older"}, "Older entries →"));
    }
    return links.length ? h("nav", {class: "pager", "aria-label": "Pages"}, links) : null;
}

export async function renderList(view, {params}) {
    const ask = {cursor: params.get("cursor") || ""};
    for (const name of FILTERS) ask[name] = params.get(name) || "";
    ask.limit = ask.limit || 50;
    const page = await get("/maillog" + query(ask));
    replace(view,
            pageHead("Mail log"),
            filterForm(params),
            table([
                {title: "Time", class: "nowrap", cell: (e) => h("a", {href: `#/maillog/${e.id}`, dataTest: "log-link"}, when(e.time))},
                {title: "Node", class: "nowrap", cell: (e) => e.node || "—"},
                {title: "Action", cell: (e) => actionBadge(e.action)},
                {title: "Sender", cell: (e) => e.sender || "<>"},
                {title: "Recipients", cell: (e) => (e.recipients || []).join(", ")},
                {title: "Message-ID", class: "breakable", cell: (e) => h("span", {class: "mono small"}, e.message_id)},
                {title: "Signature", cell: (e) => signatureBadge(e.signature)},
                {title: "Detail", cell: (e) => e.detail},
            ], page.entries || [], {empty: "No mail log entry matches.", dataTest: "maillog",
                                    rowTest: (e) => "log-" + e.id}),
            pager(params, page.next_cursor));
}

function keyLinks(entry) {
    const keys = (entry.keys || "").split(",").map((k) => k.trim()).filter(Boolean);
    if (keys.length === 0) return "—";
    const page = entry.method === "pgp" ? "pgp" : "certificates";
    return h("ul", {class: "plain"}, keys.map((k) =>
        h("li", null, h("a", {href: `#/${page}/${k}`, class: "thumb"}, grouped(k)))));
}

function tlsText(tls) {
    if (!tls) return "not relayed";
    if (!tls.protocol) return `in clear (required: ${tls.level || "none"})`;
    return `${tls.protocol} ${tls.cipher}` + (tls.verified ? ", certificate verified" : ", not verified") +
           ` (required: ${tls.level || "none"})`;
}

export async function renderDetail(view, {id}) {
    const e = await get(`/maillog/${segment(id)}`);
    replace(view,
            h("p", {class: "crumbs"}, h("a", {href: "#/maillog"}, "← Mail log"), " · ",
              h("a", {href: "#/maillog" + query({message_id: e.message_id})}, "every copy of this message")),
            pageHead("Mail log entry"),
            facts([
                ["Time", when(e.time)],
                ["Action", actionBadge(e.action)],
                ["Direction", e.direction],
                ["Message-ID", h("span", {class: "mono"}, e.message_id), "entry-message-id"],
                ["Queue ID", e.queue_id || "—"],
                ["Node", e.node || "—", "entry-node"],
                ["Sender", e.sender || "<>"],
                ["Recipients", (e.recipients || []).join(", ")],
                ["Method", e.method || "—"],
                ["Keys", keyLinks(e)],
                ["Algorithm", e.algorithm || "—"],
                ["Signature", e.signature || "—", "entry-signature"],
                ["TLS to the next hop", tlsText(e.tls)],
                e.tls && e.tls.peer ? ["Next hop certificate", h("span", {class: "thumb"}, grouped(e.tls.peer))] : null,
                ["Detail", e.detail || "—", "entry-detail"],
            ], "log-entry"));
}
