// page-certificates.js — #/certificates (list with filters, import, create own) and
// #/certificates/<sha256> (the thumbprints for the phone check, the CTL, download, delete).

import {call, get, post, put, del, query, segment} from "./api.js";
import {h, replace, table, field, select, facts, grouped, short, when, day, readFile, base64} from "./dom.js";
import {pageHead, canChange, change, showNotice, confirmButton, busy, navigate} from "./ui.js";

function usableBadge(cert) {
    return cert.usable
        ? h("span", {class: "badge good", dataTest: "usable"}, "usable")
        : h("span", {class: "badge bad", dataTest: "usable", title: cert.reason || ""}, "not usable");
}

function ctlBadge(status) {
    const cls = {trusted: "good", blocked: "bad"}[status] || "";
    return h("span", {class: "badge " + cls, dataTest: "ctl"}, status === "none" || !status ? "not on CTL" : status);
}

function filterForm(params) {
    const own = select([["", "all certificates"], ["true", "own (with private key)"], ["false", "partners'"]],
                       params.get("own") || "", {id: "filter-own", name: "own", dataTest: "filter-own"});
    const days = h("input", {type: "number", id: "filter-expiring", name: "expiring_days", min: "0", max: "36500",
                             value: params.get("expiring_days") || "", placeholder: "any", dataTest: "filter-expiring"});
    const form = h("form", {class: "filters", role: "search", "aria-label": "Filter certificates"},
                   field("Show", own), field("Expiring within (days)", days),
                   h("div", {class: "field submit"}, h("button", {type: "submit"}, "Filter")));
    form.addEventListener("submit", (event) => {
        event.preventDefault();
        location.hash = "#/certificates" + query({own: own.value, expiring_days: days.value});
    });
    return form;
}

// The import request for a file: PEM as text, PKCS#12 as JSON with the password, else DER.
async function importRequest(file, password) {
    const bytes = new Uint8Array(await readFile(file, "bytes"));
    const head = new TextDecoder("latin1").decode(bytes.subarray(0, 2048));
    if (head.includes("-----BEGIN")) {
        return {body: bytes, contentType: "application/x-pem-file"};
    }
    if (/\.(p12|pfx)$/i.test(file.name) || password !== "") {
        return {json: {pkcs12: base64(bytes.buffer), password}};
    }
    return {body: bytes, contentType: "application/pkix-cert"};
}

function importForm() {
    const file = h("input", {type: "file", id: "cert-file", required: true,
                             accept: ".pem,.crt,.cer,.der,.p12,.pfx", dataTest: "cert-file"});
    const password = h("input", {type: "password", id: "cert-password", autocomplete: "off",
                                 dataTest: "cert-password"});
    const button = h("button", {type: "submit", class: "primary", dataTest: "cert-import"}, "Import");
    const form = h("form", {class: "panel", "aria-labelledby": "import-title"},
                   h("h2", {id: "import-title"}, "Import a certificate"),
                   h("div", {class: "row"},
                     field("Certificate file", file, "PEM or DER (.pem, .crt, .cer, .der): a partner's " +
                                                     "certificate. PKCS#12 (.p12, .pfx): our own, with its key."),
                     field("PKCS#12 password", password, "Only for a PKCS#12 file."),
                     h("div", {class: "field submit"}, button)));
    form.addEventListener("submit", (event) => {
        event.preventDefault();
        if (!file.files.length) return;
        busy(button, () => change(async () => {
            const request = await importRequest(file.files[0], password.value);
            return call("POST", "/certificates", request);
        }, (imported) => {
            const count = (imported.imported || [imported.sha256]).length;
            showNotice(`Imported ${count} certificate${count === 1 ? "" : "s"}. Compare the thumbprint ` +
                       "with the partner before you trust it.");
            navigate(`#/certificates/${imported.sha256}`);
        }));
    });
    return form;
}

function createForm() {
    const email = h("input", {type: "email", id: "own-email", required: true,
                              placeholder: "domain-cert@example.com", dataTest: "own-email"});
    const cn = h("input", {type: "text", id: "own-cn", placeholder: "Example Domain"});
    const key = select([["rsa3072", "RSA 3072"], ["rsa4096", "RSA 4096"], ["rsa2048", "RSA 2048"], ["p256", "EC P-256"]],
                       "rsa3072", {id: "own-key"});
    const days = h("input", {type: "number", id: "own-days", min: "1", max: "36500", value: "730"});
    const button = h("button", {type: "submit", class: "primary"}, "Create");
    const form = h("form", {class: "row"},
                   field("Email address", email), field("Common name", cn), field("Key", key),
                   field("Valid for (days)", days), h("div", {class: "field submit"}, button));
    form.addEventListener("submit", (event) => {
        event.preventDefault();
        const body = {email: email.value.trim(), key: key.value, days: Number(days.value)};
        if (cn.value.trim()) body.common_name = cn.value.trim();
        busy(button, () => change(() => post("/own-certificates", body), (created) => {
            showNotice("Created our domain certificate.");
            navigate(`#/certificates/${created.sha256}`);
        }));
    });
    return h("details", {class: "panel"}, h("summary", null, "Create our own domain certificate"), form);
}

export async function renderList(view, {params}) {
    const filter = {own: params.get("own") || "", expiring_days: params.get("expiring_days") || ""};
    const answer = await get("/certificates" + query(filter));
    replace(view,
            pageHead("Certificates"),
            filterForm(params),
            table([
                {title: "Subject", cell: (c) => h("a", {href: `#/certificates/${c.sha256}`, dataTest: "cert-link"},
                                                  c.subject || "(no subject)")},
                {title: "Email addresses", cell: (c) => (c.emails || []).join(", ")},
                {title: "SHA-256", cell: (c) => h("span", {class: "thumb"}, short(c.sha256))},
                {title: "Expires", cell: (c) => day(c.not_after)},
                {title: "CTL", cell: (c) => ctlBadge(c.ctl)},
                {title: "Usable", cell: (c) => (c.own && !c.usable ? h("span", {class: "badge"}, "own") : usableBadge(c))},
                {title: "Own", cell: (c) => (c.own ? (c.retired ? "own, retired" : "own") : "")},
                {title: "Valid from", cell: (c) => day(c.not_before)},
            ], answer.certificates || [], {empty: "No certificate matches.", dataTest: "certificates",
                                           rowTest: (c) => "cert-" + c.sha256}),
            canChange() ? importForm() : null,
            canChange() ? createForm() : null);
}

// ---------------------------------------------------------------------------------------------
// The detail page

function expiryText(cert) {
    const e = cert.expiry || {};
    if (e.state === "expired") return h("span", {class: "badge bad"}, "expired");
    if (e.state === "expiring") return h("span", {class: "badge warn"}, `expires in ${e.days_left} days`);
    return null;
}

function ctlActions(cert, reload) {
    const setCtl = (status) => change(
        (force) => put(`/ctl/${cert.sha256}`, {status}, {force}),
        async () => {
            showNotice(status === "trusted" ? "Trusted on the CTL." : "Blocked on the CTL.");
            await reload();
        });
    const buttons = [];
    if (cert.ctl !== "trusted") {
        buttons.push(h("button", {type: "button", class: "primary", dataTest: "ctl-trust",
                                  on: {click: () => setCtl("trusted")}}, "Trust"));
    }
    if (cert.ctl !== "blocked") {
        buttons.push(confirmButton("Block", "Block this certificate? A block beats every other kind of trust.",
                                   () => setCtl("blocked"), {dataTest: "ctl-block"}));
    }
    if (cert.ctl === "trusted" || cert.ctl === "blocked") {
        buttons.push(h("button", {type: "button", dataTest: "ctl-remove", on: {click: () => change(
            () => del(`/ctl/${cert.sha256}`),
            async () => {
                showNotice("Removed from the CTL.");
                await reload();
            })}}, "Remove from CTL"));
    }
    return buttons;
}

function detailFacts(cert) {
    return facts([
        ["Subject", cert.subject, "subject"],
        ["Issuer", cert.issuer + (cert.self_signed ? " (self-signed)" : ""), "issuer"],
        ["Serial", h("span", {class: "mono"}, cert.serial || "")],
        ["Email addresses", (cert.emails || []).join(", ") || "—", "emails"],
        ["Valid from", when(cert.not_before), "not-before"],
        ["Valid until", [when(cert.not_after), " ", expiryText(cert)], "not-after"],
        cert.key ? ["Key", cert.key] : null,
        cert.strength ? ["Key strength", cert.strength] : null,
        ["Private key", cert.own ? "held by this gateway (our certificate)" : "no (a partner's certificate)", "own"],
        ["Domains that chose it", (cert.domains || []).length
            ? (cert.domains).map((d, i) => [i ? ", " : "", h("a", {href: `#/domains/${segment(d)}`}, d)])
            : "none"],
    ], "cert-facts");
}

function thumbprints(cert) {
    return h("section", {class: "thumbprints", "aria-labelledby": "thumb-title"},
             h("h2", {id: "thumb-title"}, "Thumbprints"),
             h("p", {class: "hint"}, "Read these to the partner over the phone, or compare them with " +
                                     "openssl x509 -noout -fingerprint -sha256."),
             h("dl", {class: "facts"},
               h("dt", null, "SHA-256"), h("dd", {class: "thumb big", id: "sha256", dataTest: "sha256"}, grouped(cert.sha256)),
               h("dt", null, "SHA-1"), h("dd", {class: "thumb big", id: "sha1", dataTest: "sha1"}, grouped(cert.sha1))));
}

function trustSection(cert, reload) {
    return h("section", {"aria-labelledby": "trust-title"},
             h("h2", {id: "trust-title"}, "Trust"),
             h("dl", {class: "facts"},
               h("dt", null, "Certificate trust list"), h("dd", null, ctlBadge(cert.ctl)),
               h("dt", null, "Usable for encryption"),
               h("dd", null, usableBadge(cert), cert.reason ? [" ", h("span", {dataTest: "reason"}, cert.reason)] : null)),
             canChange() ? h("div", {class: "actions"}, ctlActions(cert, reload)) : null);
}

// Our own certificate's generations: renew (the successor opens), retire or take back.
function generationSection(cert, reload) {
    const renew = h("button", {type: "button", class: "primary", dataTest: "cert-renew",
                               on: {click: () => change(() => post(`/certificates/${cert.sha256}/renew`, {}), (made) => {
                                   showNotice("Renewed: the successor is " + made.sha256 + ". Hand it to the partners, then retire this one.");
                                   navigate(`#/certificates/${made.sha256}`);
                               })}}, "Renew");
    const retire = h("button", {type: "button", dataTest: cert.retired ? "cert-unretire" : "cert-retire",
                                on: {click: () => change(
                                    () => (cert.retired ? del(`/certificates/${cert.sha256}/retire`)
                                                        : post(`/certificates/${cert.sha256}/retire`, {})),
                                    async () => {
                                        showNotice(cert.retired ? "Back in service." : "Retired: no longer offered to partners; it still decrypts.");
                                        await reload();
                                    })}}, cert.retired ? "Return to service" : "Retire");
    return h("section", {"aria-labelledby": "gen-title"},
             h("h2", {id: "gen-title"}, "Generation"),
             h("p", {dataTest: "generation"}, cert.retired
                 ? "Retired: no longer offered to partners; it still decrypts mail encrypted to it."
                 : "In service: offered to partners. Partners encrypt to it; this gateway decrypts."),
             canChange() ? h("div", {class: "actions"}, cert.self_signed ? renew : null, retire) : null);
}

async function renderDetailInto(view, thumb) {
    const cert = await get(`/certificates/${segment(thumb)}`);
    if (!view.isConnected) return;
    const reload = async () => {
        await renderDetailInto(view, cert.sha256);
        view.dataset.ready = "true";
    };
    const download = h("a", {class: "button", href: `/api/v1/certificates/${cert.sha256}/pem`,
                             download: `${cert.sha256.slice(0, 16)}.pem`, dataTest: "download-pem"}, "Download PEM");
    const remove = canChange()
        ? confirmButton("Delete", "Delete this certificate" + (cert.own ? " and its private key" : "") + "?",
                        () => change(() => del(`/certificates/${cert.sha256}`), () => {
                            showNotice("Deleted the certificate.");
                            navigate("#/certificates");
                        }), {dataTest: "cert-delete"})
        : null;
    delete view.dataset.ready;
    replace(view,
            h("p", {class: "crumbs"}, h("a", {href: "#/certificates"}, "← All certificates")),
            pageHead("Certificate", download, remove),
            h("p", {class: "subtitle"}, cert.subject),
            thumbprints(cert),
            cert.own ? generationSection(cert, reload) : null,
            trustSection(cert, reload),
            h("section", {"aria-labelledby": "facts-title"}, h("h2", {id: "facts-title"}, "Details"), detailFacts(cert)));
}

export async function renderDetail(view, {id}) {
    await renderDetailInto(view, id);
}
