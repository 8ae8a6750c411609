// page-trust.js — #/trust: what S/MIME trust rests on besides a certificate's own page: the
// certificate trust list (CTL), the trust roots (CAs whose certificates we accept) and the CRLs.
//
// A CTL entry is added on a certificate's page (Trust, Block); here it can be reviewed and
// removed, also for a thumbprint trusted in advance of its certificate.
//
// The CRL distribution points are those the stored partner certificates name; Refresh fetches
// the due ones now (POST /crls/refresh, the same refresh as the daemon's schedule).

import {call, get, del, post} from "./api.js";
import {h, replace, table, field, grouped, short, when, day, readFile} from "./dom.js";
import {pageHead, canChange, change, showNotice, confirmButton, busy} from "./ui.js";

// PEM as application/x-pem-file, anything else as DER of the given type (docs/api.md).
async function uploadRequest(file, derType) {
    const bytes = new Uint8Array(await readFile(file, "bytes"));
    const head = new TextDecoder("latin1").decode(bytes.subarray(0, 2048));
    return {body: bytes, contentType: head.includes("-----BEGIN") ? "application/x-pem-file" : derType};
}

// A form with one file input that uploads the file and reloads the page.
function uploadForm({id, title, label, hint, accept, button, send, done}) {
    const file = h("input", {type: "file", id: id + "-file", required: true, accept, dataTest: id + "-file"});
    const submit = h("button", {type: "submit", class: "primary", dataTest: id + "-add"}, button);
    const form = h("form", {class: "panel", "aria-labelledby": id + "-title"},
                   h("h3", {id: id + "-title"}, title),
                   h("div", {class: "row"}, field(label, file, hint), h("div", {class: "field submit"}, submit)));
    form.addEventListener("submit", (event) => {
        event.preventDefault();
        if (!file.files.length) return;
        busy(submit, () => change(async () => send(file.files[0]), done));
    });
    return form;
}

function statusBadge(status) {
    const cls = {trusted: "good", blocked: "bad"}[status] || "";
    return h("span", {class: "badge " + cls, dataTest: "ctl-status"}, status);
}

function ctlSection(entries, stored, reload) {
    const columns = [
        {title: "SHA-256", cell: (e) => (stored.has(e.sha256)
            ? h("a", {href: `#/certificates/${e.sha256}`, class: "thumb", dataTest: "ctl-cert-link"}, grouped(e.sha256))
            : h("span", {class: "thumb", title: "No certificate with this thumbprint is stored (yet)."},
                grouped(e.sha256)))},
        {title: "Status", cell: (e) => statusBadge(e.status)},
        {title: "Added", cell: (e) => when(e.added)},
    ];
    if (canChange()) {
        columns.push({title: "", cell: (e) => confirmButton(
            "Remove", `Remove ${short(e.sha256)} from the certificate trust list?`,
            () => change(() => del(`/ctl/${e.sha256}`), async () => {
                showNotice("Removed from the CTL.");
                await reload();
            }), {dataTest: "ctl-remove-" + e.sha256})});
    }
    return h("section", {"aria-labelledby": "ctl-title"},
             h("h2", {id: "ctl-title"}, "Certificate trust list"),
             h("p", {class: "hint"}, "A partner's certificate is trusted or blocked here by its thumbprint; " +
                                     "a block beats every other kind of trust. Add entries on a certificate's page."),
             table(columns, entries, {empty: "The certificate trust list is empty.", dataTest: "ctl",
                                      rowTest: (e) => "ctl-" + e.sha256}));
}

function rootsSection(roots, reload) {
    const columns = [
        {title: "Subject", cell: (r) => h("span", {dataTest: "root-subject"}, r.subject || "(no subject)")},
        {title: "SHA-256", cell: (r) => h("span", {class: "thumb"}, short(r.sha256))},
        {title: "Not after", cell: (r) => day(r.not_after)},
        {title: "CA", cell: (r) => (r.is_ca ? "CA" : h("span", {class: "badge warn"}, "not a CA"))},
    ];
    if (canChange()) {
        columns.push({title: "", cell: (r) => confirmButton(
            "Remove", `Remove the trust root ${r.subject}? Certificates it issued are no longer trusted through it.`,
            () => change(() => del(`/roots/${r.sha256}`), async () => {
                showNotice("Removed the trust root.");
                await reload();
            }), {dataTest: "root-remove-" + r.sha256})});
    }
    const add = uploadForm({
        id: "root", title: "Add a trust root", label: "CA certificate file", button: "Add",
        hint: "PEM (one or more CA certificates) or DER (.pem, .crt, .cer, .der).",
        accept: ".pem,.crt,.cer,.der",
        send: async (file) => call("POST", "/roots", await uploadRequest(file, "application/pkix-cert")),
        done: async (answer) => {
            const count = (answer.roots || []).length;
            showNotice(`Added ${count} trust root${count === 1 ? "" : "s"}.`);
            await reload();
        },
    });
    return h("section", {"aria-labelledby": "roots-title"},
             h("h2", {id: "roots-title"}, "Trust roots"),
             h("p", {class: "hint"}, "Certificates issued by these CAs are trusted without a CTL entry."),
             table(columns, roots, {empty: "No trust root.", dataTest: "roots", rowTest: (r) => "root-" + r.sha256}),
             canChange() ? add : null);
}

function crlsSection(crls, reload) {
    const columns = [
        {title: "Issuer", cell: (c) => h("span", {dataTest: "crl-issuer"}, c.issuer)},
        {title: "Last update", cell: (c) => when(c.last_update)},
        {title: "Next update", cell: (c) => [when(c.next_update), " ",
                                             c.stale ? h("span", {class: "badge bad", dataTest: "crl-stale"}, "stale")
                                                     : null]},
    ];
    const add = uploadForm({
        id: "crl", title: "Import a CRL", label: "CRL file", button: "Import",
        hint: "PEM or DER (.crl, .pem, .der). It replaces an older CRL of the same issuer.",
        accept: ".crl,.pem,.der",
        send: async (file) => call("POST", "/crls", await uploadRequest(file, "application/pkix-crl")),
        done: async (answer) => {
            showNotice(`Imported the CRL of ${answer.issuer}.`);
            await reload();
        },
    });
    return h("section", {"aria-labelledby": "crls-title"},
             h("h2", {id: "crls-title"}, "Certificate revocation lists"),
             table(columns, crls, {empty: "No CRL.", dataTest: "crls"}),
             canChange() ? add : null);
}

function lastFetch(s) {
    if (!s.last_fetch) return "never";
    return when(s.last_fetch.attempt);
}

function sourcesSection(sources, reload) {
    const columns = [
        {title: "URL", cell: (s) => h("span", {dataTest: "crl-source-url"}, s.url)},
        {title: "Issuer", cell: (s) => s.issuer},
        {title: "Certificates", cell: (s) => h("span", {dataTest: "crl-source-certs"}, String(s.certificates.length))},
        {title: "Last fetch", cell: (s) => h("span", {dataTest: "crl-source-fetched"}, lastFetch(s))},
        {title: "Error", cell: (s) => (s.last_fetch && s.last_fetch.error
            ? h("span", {class: "badge bad", dataTest: "crl-source-error"}, s.last_fetch.error) : "")},
        {title: "Due", cell: (s) => (s.due ? h("span", {class: "badge warn", dataTest: "crl-source-due"}, "due")
                                           : when(s.due_at))},
    ];
    const refresh = h("button", {type: "button", class: "primary", dataTest: "crl-refresh"}, "Refresh");
    refresh.addEventListener("click", () => busy(refresh, () => change(
        () => post("/crls/refresh", {}), async (answer) => {
            const done = answer.refreshed || [];
            const failed = done.filter((o) => !o.ok).length;
            showNotice(done.length === 0 ? "No distribution point is due."
                       : `Fetched ${done.length - failed} of ${done.length} distribution point${done.length === 1 ? "" : "s"}.`,
                       ...done.filter((o) => !o.ok).map((o) => h("div", {dataTest: "crl-refresh-failed"},
                                                                        `${o.url}: ${o.detail}`)));
            await reload();
        })));
    return h("section", {"aria-labelledby": "crl-sources-title"},
             h("h2", {id: "crl-sources-title"}, "CRL distribution points"),
             h("p", {class: "hint"}, "Where the partner certificates say their CRLs are published; each is " +
                                     "fetched when its CRL's next update has come."),
             table(columns, sources, {empty: "No partner certificate names a distribution point.",
                                      dataTest: "crl-sources", rowTest: (s) => "crl-source"}),
             canChange() ? refresh : null);
}

async function renderInto(view) {
    const [ctl, certificates, roots, crls, sources] = await Promise.all(
        [get("/ctl"), get("/certificates"), get("/roots"), get("/crls"), get("/crl-sources")]);
    if (!view.isConnected) return;
    const reload = async () => {
        await renderInto(view);
        view.dataset.ready = "true";
    };
    const stored = new Set((certificates.certificates || []).map((c) => c.sha256));
    delete view.dataset.ready;
    replace(view,
            pageHead("Trust"),
            ctlSection(ctl.entries || [], stored, reload),
            rootsSection(roots.roots || [], reload),
            crlsSection(crls.crls || [], reload),
            sourcesSection(sources.sources || [], reload));
}

export async function render(view) {
    await renderInto(view);
}
