// page-updates.js — #/updates: the signed update exchange with partner gateways
// (docs/lifecycle.md). Export a signed bundle of one of our local domains, import a
// partner's bundle, and approve or reject the partners' staged changes.

import {call, get, post} from "./api.js";
import {h, replace, table, field, select, short, when, readFile} from "./dom.js";
import {pageHead, canChange, change, showNotice, busy} from "./ui.js";

function exportSection(domains) {
    const local = domains.filter((d) => d.local).map((d) => d.name);
    if (!local.length) {
        return h("section", {"aria-labelledby": "export-title"},
                 h("h2", {id: "export-title"}, "Export our update"),
                 h("p", {class: "empty"}, "No local domain: add one on the Domains page first."));
    }
    const domain = select(local.map((n) => [n, n]), local[0], {dataTest: "export-domain"});
    const submit = h("button", {type: "submit", class: "primary", dataTest: "export-submit"}, "Export");
    const result = h("div", {dataTest: "export-result"});
    const form = h("form", {class: "panel", "aria-labelledby": "export-title"},
                   h("h3", {id: "export-title"}, "Export our update"),
                   h("p", {class: "hint"}, "A signed bundle of the domain's current, next and retired " +
                                           "certificates and keys, for the partners. Each export has " +
                                           "the next sequence number."),
                   h("div", {class: "row"}, field("Local domain", domain),
                     h("div", {class: "field submit"}, submit)),
                   result);
    form.addEventListener("submit", (event) => {
        event.preventDefault();
        busy(submit, () => change(() => post("/exchange/export", {domain: domain.value}), (answer) => {
            const file = `${answer.domain}-${answer.sequence}.bundle`;
            const url = URL.createObjectURL(new Blob([answer.bundle], {type: "application/json"}));
            const text = h("textarea", {readonly: true, rows: 6, class: "mono", dataTest: "export-bundle"});
            text.value = answer.bundle;
            replace(result,
                    h("p", {dataTest: "export-summary"},
                      `Sequence ${answer.sequence}, ${answer.entries.length} certificates and keys, ` +
                      `signed by ${answer.signers.map(short).join(", ")}. `,
                      h("a", {href: url, download: file, dataTest: "export-download"}, "Download " + file)),
                    field("Bundle", text));
            showNotice(`Exported ${file}.`);
        }));
    });
    return form;
}

function importSection(reload) {
    const file = h("input", {type: "file", required: true, accept: ".bundle,.json", dataTest: "import-file"});
    const submit = h("button", {type: "submit", class: "primary", dataTest: "import-submit"}, "Import");
    const form = h("form", {class: "panel", "aria-labelledby": "import-title"},
                   h("h3", {id: "import-title"}, "Import a partner's update"),
                   h("p", {class: "hint"}, "It must be signed by a certificate or OpenPGP key you trust " +
                                           "for the partner's domain. It is staged below for approval, " +
                                           "or applied at once when the domain accepts signed updates."),
                   h("div", {class: "row"}, field("Bundle file", file),
                     h("div", {class: "field submit"}, submit)));
    form.addEventListener("submit", (event) => {
        event.preventDefault();
        if (!file.files.length) return;
        busy(submit, () => change(async () => {
            const text = await readFile(file.files[0], "text");
            return call("POST", "/exchange/import", {body: text, contentType: "application/json"});
        }, async (answer) => {
            const adds = answer.adds.map((i) => short(i.id)).join(", ") || "nothing";
            showNotice(answer.applied
                ? `Applied the update of ${answer.domain} (sequence ${answer.sequence}): adds ${adds}.`
                : `Staged the update of ${answer.domain} (sequence ${answer.sequence}) as pending ` +
                  `change ${answer.pending_id}: adds ${adds}.`);
            await reload();
        }));
    });
    return form;
}

// "adds <hex>, <hex>; retires (none)" with each thumbprint or fingerprint shortened for the
// cell, the whole one in its title.
function summaryCell(summary) {
    const parts = [];
    let last = 0;
    for (const m of String(summary).matchAll(/[0-9a-f]{40,64}/g)) {
        parts.push(summary.slice(last, m.index));
        parts.push(h("span", {class: "thumb", title: m[0], dataTest: "pending-item"}, short(m[0])));
        last = m.index + m[0].length;
    }
    parts.push(summary.slice(last));
    return h("span", {dataTest: "pending-summary"}, parts);
}

function stateBadge(state) {
    const cls = {approved: "good", rejected: "bad", pending: "warn"}[state] || "";
    return h("span", {class: "badge " + cls, dataTest: "pending-state"}, state);
}

function pendingSection(pending, reload) {
    const columns = [
        {title: "ID", cell: (p) => h("span", {dataTest: "pending-id"}, String(p.id))},
        {title: "Domain", cell: (p) => p.domain},
        {title: "Kind", cell: (p) => h("span", {dataTest: "pending-kind"},
                                        p.kind === "discovery" ? "discovery" : `sequence ${p.sequence}`)},
        {title: "Change", cell: (p) => summaryCell(p.summary)},
        // A discovered key's origin: its source, the validator's verdict and where it was found.
        {title: "Signed by / found", cell: (p) => (p.kind === "discovery" && p.found
            ? h("span", {dataTest: "pending-found", title: p.found.where},
                `${p.found.source}${p.found.source === "wkd" ? "" : " (DNSSEC " + p.found.dnssec + ")"}`)
            : h("span", {class: "thumb"}, short(p.signer)))},
        {title: "State", cell: (p) => [stateBadge(p.state), p.decided ? [" ", when(p.decided), " ",
                                                                         p.decided_by || ""] : null]},
    ];
    if (canChange()) {
        columns.push({title: "", cell: (p) => (p.state !== "pending" ? null : h("div", {class: "actions"},
            h("button", {type: "button", class: "primary", dataTest: "approve-" + p.id,
                         on: {click: () => change(() => post(`/pending/${p.id}/approve`, {}), async () => {
                             showNotice(`Approved pending change ${p.id}.`);
                             await reload();
                         })}}, "Approve"),
            h("button", {type: "button", class: "danger", dataTest: "reject-" + p.id,
                         on: {click: () => {
                             if (!window.confirm(`Reject pending change ${p.id}? Nothing changes.`)) return;
                             change(() => post(`/pending/${p.id}/reject`, {}), async () => {
                                 showNotice(`Rejected pending change ${p.id}.`);
                                 await reload();
                             });
                         }}}, "Reject")))});
    }
    return h("section", {"aria-labelledby": "pending-title"},
             h("h2", {id: "pending-title"}, "Pending changes"),
             h("p", {class: "hint"}, "Partners' verified updates and discovered certificates and keys " +
                                     "waiting for a decision. Approve adds the new certificates and " +
                                     "keys to the domain (an update also takes the retired ones out); " +
                                     "reject changes nothing. Compare a discovered key's thumbprint " +
                                     "with the partner before you approve it."),
             table(columns, pending, {empty: "No pending change.", dataTest: "pending",
                                      rowTest: (p) => "pending-" + p.id}));
}

async function renderInto(view) {
    const [domains, pending] = await Promise.all([get("/domains"), get("/pending")]);
    if (!view.isConnected) return;
    const reload = async () => {
        await renderInto(view);
        view.dataset.ready = "true";
    };
    delete view.dataset.ready;
    replace(view,
            pageHead("Updates"),
            canChange() ? exportSection(domains.domains || []) : null,
            canChange() ? importSection(reload) : null,
            pendingSection((pending.pending || []).slice().reverse(), reload));
}

export async function render(view) {
    await renderInto(view);
}
