// page-audit.js — #/audit?object=&cursor=: every change, who made it, old → new; newest first.

import {get, query} from "./api.js";
import {h, replace, table, field, when, short} from "./dom.js";
import {pageHead} from "./ui.js";

function objectLink(entry) {
    const object = entry.object || "";
    const noun = (entry.action || "").split(".")[0];
    const page = {domain: "domains", cert: "certificates", ctl: "certificates", pgp: "pgp"}[noun];
    // A thumbprint or fingerprint is shortened: the link's title and the filter keep it whole.
    const label = /^[0-9a-f]{20,}$/i.test(object) ? h("span", {class: "thumb"}, short(object)) : object;
    const filter = h("a", {href: "#/audit" + query({object}), title: object}, label);
    if (!page || !object) return filter;
    return [filter, " ", h("a", {href: `#/${page}/${encodeURIComponent(object)}`, class: "small"}, "(open)")];
}

function filterForm(params) {
    const object = h("input", {type: "text", id: "audit-object", value: params.get("object") || "",
                               placeholder: "partner.example, a thumbprint…", dataTest: "audit-object"});
    const form = h("form", {class: "filters", role: "search", "aria-label": "Filter the audit log"},
                   field("Object", object),
                   h("div", {class: "field submit buttons"}, h("button", {type: "submit"}, "Filter"),
                     h("a", {href: "#/audit", class: "button"}, "Clear")));
    form.addEventListener("submit", (event) => {
        event.preventDefault();
        location.hash = "#/audit" + query({object: object.value.trim()});
    });
    return form;
}

function pager(params, nextCursor) {
    const keep = {object: params.get("object") || "", limit: params.get("limit") || ""};
    const links = [];
    if (params.get("cursor")) links.push(h("a", {href: "#/audit" + query(keep), class: "button"}, "← Newest"));
    if (nextCursor) {
        links.push(h("a", {href: "#/audit" + query({...keep, cursor: nextCursor}), class: "button",
                           dataTest: "audit-older"}, "Older entries →"));
    }
    return links.length ? h("nav", {class: "pager", "aria-label": "Pages"}, links) : null;
}

export async function render(view, {params}) {
    const page = await get("/audit" + query({object: params.get("object") || "", cursor: params.get("cursor") || "",
                                             limit: params.get("limit") || 50}));
    replace(view,
            pageHead("Audit log"),
            h("p", {class: "lead"}, "Every change made through the CLI, these pages or the API."),
            filterForm(params),
            table([
                {title: "Time", class: "nowrap", cell: (e) => when(e.time)},
                {title: "Who", cell: (e) => e.actor},
                {title: "Node", class: "nowrap", cell: (e) => e.node || "—"},
                {title: "What", cell: (e) => h("span", {class: "mono"}, e.action)},
                {title: "Object", class: "nowrap", cell: objectLink},
                {title: "Change", class: "breakable", cell: (e) => e.change},
            ], page.entries || [], {empty: "No change recorded.", dataTest: "audit", rowTest: (e) => "audit-" + e.id}),
            pager(params, page.next_cursor));
}
