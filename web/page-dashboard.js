// page-dashboard.js — #/dashboard: is the gateway working, what needs attention soon.

import {get} from "./api.js";
import {h, replace, table, when, short} from "./dom.js";
import {pageHead} from "./ui.js";

function gatewayCard(status) {
    const hop = status.next_hop || {};
    const listeners = status.listeners || {};
    return h("section", {class: "card", "aria-labelledby": "gw-title"},
             h("h2", {id: "gw-title"}, "Gateway"),
             h("dl", {class: "facts"},
               h("dt", null, "SMTP listener"), h("dd", {dataTest: "listener-smtp"}, listeners.smtp || "—"),
               h("dt", null, "Admin listener"), h("dd", null, listeners.admin || "—"),
               h("dt", null, "Next hop"),
               h("dd", {dataTest: "next-hop"}, hop.address || "—", " ",
                 h("span", {class: "badge " + (hop.reachable ? "good" : "bad"), dataTest: "next-hop-state"},
                   hop.reachable ? "reachable" : "not reachable"))));
}

function countsCard(counts) {
    const c = counts || {};
    const row = (label, value, href, test) =>
        [h("dt", null, href ? h("a", {href}, label) : label), h("dd", {dataTest: test}, String(value ?? 0))];
    return h("section", {class: "card", "aria-labelledby": "counts-title"},
             h("h2", {id: "counts-title"}, "Objects"),
             h("dl", {class: "facts counts"},
               row("Domains", `${c.domains ?? 0} (${c.local_domains ?? 0} local)`, "#/domains", "count-domains"),
               row("Certificates", `${c.certificates ?? 0} (${c.own_certificates ?? 0} own)`, "#/certificates",
                   "count-certificates"),
               row("OpenPGP keys", `${c.pgp_keys ?? 0} (${c.own_pgp_keys ?? 0} own)`, "#/pgp", "count-pgp"),
               row("CTL entries", c.ctl_entries, null, "count-ctl"),
               row("Trust roots", c.roots, null, "count-roots"),
               row("CRLs", c.crls, null, "count-crls")));
}

const KINDS = {"certificate": "Certificate", "pgp-key": "OpenPGP key",
               "pgp-subkey": "OpenPGP encryption subkey"};

function expiringLink(item) {
    // A subkey is shown on its primary key's page.
    const href = item.kind === "certificate" ? `#/certificates/${item.id}`
        : `#/pgp/${item.kind === "pgp-subkey" ? item.parent : item.id}`;
    return h("a", {href}, item.name || short(item.id));
}

function expiringSection(items) {
    return h("section", {"aria-labelledby": "exp-title"},
             h("h2", {id: "exp-title"}, "Expiring within 30 days or expired (own first)"),
             table([
                 {title: "Kind", cell: (i) => KINDS[i.kind] || i.kind},
                 {title: "Name", cell: expiringLink},
                 {title: "Thumbprint / fingerprint", cell: (i) => h("span", {class: "thumb"}, short(i.id))},
                 {title: "Whose", cell: (i) => (i.own ? "own" : "partner")},
                 {title: "Expires", cell: (i) => when(i.not_after)},
                 {title: "State", cell: (i) =>
                     h("span", {class: "badge " + (i.state === "expired" ? "bad" : "warn")},
                       i.state === "expired" ? "expired" : `${i.days_left} days left`)},
             ], items, {empty: "Nothing expires within 30 days.", dataTest: "expiring"}));
}

// What needs attention besides expiry: a local domain without a signer (docs/signing.md).
function warningsSection(warnings) {
    if (warnings.length === 0) return null;
    return h("section", {"aria-labelledby": "warn-title"},
             h("h2", {id: "warn-title"}, "Warnings"),
             h("ul", {class: "inline-warnings", dataTest: "status-warnings"},
               warnings.map((w) => h("li", null, w))));
}

function refusalsSection(entries) {
    return h("section", {"aria-labelledby": "ref-title"},
             h("h2", {id: "ref-title"}, "Recent refusals"),
             table([
                 {title: "Time", class: "nowrap", cell: (e) => h("a", {href: `#/maillog/${e.id}`}, when(e.time))},
                 {title: "Sender", cell: (e) => e.sender || "<>"},
                 {title: "Recipients", cell: (e) => (e.recipients || []).join(", ")},
                 {title: "Reason", cell: (e) => e.detail},
             ], entries, {empty: "No message was refused recently.", dataTest: "refusals"}));
}

export async function render(view) {
    const status = await get("/status");
    replace(view,
            pageHead("Dashboard"),
            h("div", {class: "cards"}, gatewayCard(status), countsCard(status.counts)),
            warningsSection(status.warnings || []),
            expiringSection(status.expiring || []),
            refusalsSection(status.recent_refusals || []));
}
