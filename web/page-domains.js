// page-domains.js — #/domains (the list and "Add domain") and #/domains/<name> (the domain's
// settings: the S/MIME encryption certificate, mode, methods, profile, TLS, the lifecycle
// settings: on-expired, revocation, accept-signed-updates (docs/lifecycle.md), and signatures
// and header protection: sign, require-signature, on-bad-signature, keep-signature,
// header-protection (docs/signing.md)), and key discovery: discovery, discovery-address and
// "Look up keys now" (docs/discovery.md).

import {get, post, patch, del, segment} from "./api.js";
import {h, replace, table, field, checkbox, select, grouped, day, uid} from "./dom.js";
import {pageHead, canChange, change, showNotice, confirmButton, busy, navigate} from "./ui.js";

const MODES = [
    ["none", "none — never encrypt"],
    ["opportunistic", "opportunistic — encrypt when a usable certificate or key exists"],
    ["mandatory", "mandatory — never deliver in clear"],
];
const PROFILES = [
    ["compat", "compat — AES-256-CBC, RSA PKCS#1 v1.5 (gpgsm, Thunderbird)"],
    ["modern", "modern — AES-256-GCM, RSA-OAEP or ECDH"],
];
const ON_EXPIRED = [
    ["defer", "defer — 451, the sender's server retries while the renewal is exchanged"],
    ["reject", "reject — 550, the mail bounces"],
];
const REVOCATION = [
    ["soft", "soft — use a CA certificate whose revocation state is unknown"],
    ["hard", "hard — defer mandatory mail (451) until a current CRL vouches for it"],
];

const SIGN = [
    ["none", "none — never sign mail to this domain"],
    ["sign-and-encrypt", "sign-and-encrypt — sign what is encrypted, inside the encryption"],
    ["sign", "sign — sign every message (signed only when it is not encrypted)"],
];
const DISCOVERY = [
    ["off", "off — the gateway does not look this domain's keys up"],
    ["review", "review — what it finds in DNS and WKD waits for approval (Updates page)"],
    ["auto-dane", "auto-dane — DNSSEC-secure SMIMEA usage 3 / OPENPGPKEY pinned at once, the rest waits"],
];
const ON_BAD_SIGNATURE = [
    ["refuse", "refuse — 550 5.7.1, the mail bounces"],
    ["mark", "mark — deliver with the Subject marked [NOT VERIFIED]"],
];

function domainLink(d) {
    return h("a", {href: `#/domains/${segment(d.name)}`, dataTest: "domain-link"}, d.name);
}

function addForm() {
    const name = h("input", {type: "text", name: "name", id: "domain-name", required: true,
                             placeholder: "partner.example", autocomplete: "off", dataTest: "domain-name"});
    const local = h("input", {type: "checkbox", id: "domain-local", dataTest: "domain-local"});
    const button = h("button", {type: "submit", class: "primary", dataTest: "domain-add"}, "Add domain");
    const form = h("form", {class: "panel", "aria-labelledby": "add-domain-title"},
                   h("h2", {id: "add-domain-title"}, "Add a domain"),
                   h("div", {class: "row"},
                     field("Domain name", name, "A partner domain, *.partner.example for its subdomains, " +
                                                "or one of our own domains."),
                     h("div", {class: "field check submit"}, local,
                       h("label", {for: "domain-local"}, "One of our own (local) domains")),
                     h("div", {class: "field submit"}, button)));
    form.addEventListener("submit", (event) => {
        event.preventDefault();
        busy(button, () => change(
            () => post("/domains", {name: name.value.trim(), local: local.checked}),
            (created) => {
                navigate(`#/domains/${segment(created.name)}`);
            }));
    });
    return form;
}

export async function renderList(view) {
    const answer = await get("/domains");
    const domains = answer.domains || [];
    replace(view,
            pageHead("Domains"),
            h("p", {class: "lead"}, "A partner domain gets its encryption settings here; our own (local) " +
                                    "domains receive mail that the gateway decrypts."),
            table([
                {title: "Domain", cell: domainLink},
                {title: "Kind", cell: (d) => (d.local ? "local" : "partner")},
                {title: "Encryption", cell: (d) => h("span", {class: "badge mode-" + d.encrypt_mode}, d.encrypt_mode)},
                {title: "Methods", cell: (d) => (d.methods || []).join(", ") || "—"},
                {title: "S/MIME certificates", cell: (d) => String((d.smime_certs || []).length)},
                {title: "OpenPGP keys", cell: (d) => String((d.pgp_keys || []).length)},
                {title: "Signing", cell: (d) => (d.local ? "—" : d.sign)},
                {title: "Require TLS", cell: (d) => (d.require_tls ? "yes" : "no")},
            ], domains, {empty: "No domain yet: add the partner's domain below.", dataTest: "domains",
                         rowTest: (d) => "domain-" + d.name}),
            canChange() ? addForm() : null);
}

// ---------------------------------------------------------------------------------------------
// The settings page

function certLabel(cert, chosenStatus) {
    const usable = chosenStatus ? chosenStatus.usable : cert.usable;
    const reason = chosenStatus ? chosenStatus.reason : cert.reason;
    return [
        h("span", {class: "cert-subject"}, cert.subject || "(certificate no longer stored)"),
        cert.emails && cert.emails.length ? h("span", {class: "cert-emails"}, " <" + cert.emails.join(", ") + ">") : null,
        h("span", {class: "thumb"}, "SHA-256 " + grouped(cert.sha256)),
        h("span", {class: "cert-meta"},
          cert.not_after ? `expires ${day(cert.not_after)}` : "",
          usable ? "" : h("span", {class: "badge bad"}, "not usable: " + (reason || "unknown"))),
    ];
}

// The certificates to offer: every usable partner certificate, and every one chosen now (even
// when it has become unusable, so that it can be deselected). Those whose addresses are in the
// domain come first.
function certificateChoices(domain, certificates) {
    const chosen = new Set(domain.smime_certs || []);
    const status = new Map((domain.smime_cert_status || []).map((s) => [s.sha256, s]));
    const byThumb = new Map(certificates.map((c) => [c.sha256, c]));
    const offered = certificates.filter((c) => !c.own && (c.usable || chosen.has(c.sha256)));
    for (const sha of chosen) {
        if (!byThumb.has(sha)) offered.push({sha256: sha, subject: "", emails: []});
    }
    const base = domain.name.replace(/^\*\./, "");
    const inDomain = (c) => (c.emails || []).some((e) => e.toLowerCase().endsWith("@" + base) ||
                                                          e.toLowerCase().endsWith("." + base));
    offered.sort((a, b) => Number(inDomain(b)) - Number(inDomain(a)));
    return {offered, chosen, status};
}

function certificateFieldset(domain, certificates, disabled) {
    const {offered, chosen, status} = certificateChoices(domain, certificates);
    const items = offered.map((cert) => {
        const id = uid("cert");
        return h("li", {class: "choice"},
                 h("input", {type: "checkbox", id, name: "smime_cert", value: cert.sha256,
                             checked: chosen.has(cert.sha256), disabled, dataTest: "smime-cert-" + cert.sha256}),
                 h("label", {for: id}, certLabel(cert, status.get(cert.sha256))));
    });
    return h("fieldset", {class: "certs", dataTest: "smime-certs"},
             h("legend", null, "S/MIME encryption certificate"),
             items.length
                 ? h("ul", {class: "choices"}, items)
                 : h("p", {class: "empty"}, "No usable partner certificate. Import the partner's " +
                                            "certificate and trust it on the ",
                     h("a", {href: "#/certificates"}, "Certificates"), " page."),
             h("p", {class: "hint"}, "Mail to the domain is encrypted to every certificate chosen (two " +
                                     "during a rotation). Only usable certificates are listed: trusted on the " +
                                     "CTL or by a root, valid now, allowed for encryption."));
}

function methodsFieldset(domain, disabled) {
    const methods = domain.methods || [];
    const box = (value, label) => checkbox(label, {name: "method", value, checked: methods.includes(value),
                                                   disabled, dataTest: "method-" + value});
    return h("fieldset", {class: "methods"}, h("legend", null, "Methods"),
             box("smime", "S/MIME"), box("pgp", "OpenPGP"));
}

function boundKeys(domain) {
    const status = domain.pgp_key_status || [];
    if (status.length === 0) return h("p", {class: "empty"}, "No OpenPGP key is bound to this domain.");
    return h("ul", {class: "plain", dataTest: "pgp-keys"}, status.map((k) =>
        h("li", null, h("a", {href: `#/pgp/${k.fingerprint}`, class: "thumb"}, grouped(k.fingerprint)), " ",
          k.usable ? h("span", {class: "badge good"}, "usable")
                   : h("span", {class: "badge bad"}, "not usable: " + k.reason),
          k.origin ? h("span", {class: "hint", dataTest: "key-source"}, " source: " + k.origin.source) : null)));
}

function nextMessage(domain) {
    const next = domain.next;
    if (!next) return null;
    const action = next.action === "rejected" && next.temporary ? "deferred (451)" : next.action;
    return h("p", {class: "next", dataTest: "next"}, h("strong", null, "The next message: "),
             [action, next.method].filter(Boolean).join(" "), next.reason ? ` (${next.reason})` : "");
}

// What the form says now, as a PATCH body of the fields that differ from the domain.
function changes(form, domain) {
    const body = {};
    const mode = form.querySelector("[name=encrypt_mode]").value;
    if (mode !== domain.encrypt_mode) body.encrypt_mode = mode;
    const profile = form.querySelector("[name=smime_profile]").value;
    if (profile !== domain.smime_profile) body.smime_profile = profile;
    const local = form.querySelector("[name=local]").checked;
    if (local !== Boolean(domain.local)) body.local = local;
    const onExpired = form.querySelector("[name=on_expired]").value;
    if (onExpired !== domain.on_expired) body.on_expired = onExpired;
    const revocation = form.querySelector("[name=revocation]").value;
    if (revocation !== domain.revocation) body.revocation = revocation;
    const updates = form.querySelector("[name=accept_signed_updates]").checked;
    if (updates !== Boolean(domain.accept_signed_updates)) body.accept_signed_updates = updates;
    const sign = form.querySelector("[name=sign]").value;
    if (sign !== domain.sign) body.sign = sign;
    const onBad = form.querySelector("[name=on_bad_signature]").value;
    if (onBad !== domain.on_bad_signature) body.on_bad_signature = onBad;
    for (const name of ["require_signature", "keep_signature", "header_protection"]) {
        const on = form.querySelector(`[name=${name}]`).checked;
        if (on !== Boolean(domain[name])) body[name] = on;
    }
    const discovery = form.querySelector("[name=discovery]").value;
    if (discovery !== domain.discovery) body.discovery = discovery;
    const address = form.querySelector("[name=discovery_address]").value.trim();
    const storedAddress = domain.discovery_address_default ? "" : domain.discovery_address;
    if (address !== storedAddress && !(domain.discovery_address_default && address === domain.discovery_address)) {
        body.discovery_address = address;
    }
    const tls = form.querySelector("[name=require_tls]").checked;
    if (tls !== Boolean(domain.require_tls)) body.require_tls = tls;
    const checked = (name) => [...form.querySelectorAll(`[name=${name}]`)].filter((b) => b.checked).map((b) => b.value);
    // Keep the stored order of preference for the methods that stay.
    const methods = checked("method");
    const ordered = (domain.methods || []).filter((m) => methods.includes(m))
        .concat(methods.filter((m) => !(domain.methods || []).includes(m)));
    if (ordered.join() !== (domain.methods || []).join()) body.methods = ordered;
    const certs = checked("smime_cert");
    const before = [...(domain.smime_certs || [])].sort().join();
    if ([...certs].sort().join() !== before) body.smime_certs = certs;
    return body;
}

// Signatures and header protection (docs/signing.md): outbound to the domain, inbound from it.
function signatureFieldset(domain, disabled) {
    const sign = select(SIGN, domain.sign, {name: "sign", id: "sign", disabled, dataTest: "sign"});
    const onBad = select(ON_BAD_SIGNATURE, domain.on_bad_signature,
                         {name: "on_bad_signature", id: "on-bad-signature", disabled,
                          dataTest: "on-bad-signature"});
    return h("fieldset", {class: "signatures", dataTest: "signature-settings"},
             h("legend", null, "Signatures and header protection"),
             field("Sign mail to this domain", sign,
                   "With our certificate or key for the sender's domain; without one the mail " +
                   "leaves unsigned and the mail log says why."),
             checkbox("Protect the Subject and addresses when encrypting (RFC 9788 header " +
                      "protection; the Subject outside reads [...])",
                      {name: "header_protection", checked: Boolean(domain.header_protection),
                       disabled, dataTest: "header-protection"}),
             checkbox("Require a valid signature of this domain on mail from it",
                      {name: "require_signature", checked: Boolean(domain.require_signature),
                       disabled, dataTest: "require-signature"}),
             field("When a required signature is missing or bad", onBad),
             checkbox("Deliver the signature to the user (otherwise it is removed; the result is " +
                      "in X-Sealgate-Signature either way)",
                      {name: "keep_signature", checked: Boolean(domain.keep_signature), disabled,
                       dataTest: "keep-signature"}));
}

// Key discovery (docs/discovery.md): the mode and the address looked up.
function discoveryFieldset(domain, disabled) {
    const mode = select(DISCOVERY, domain.discovery || "off",
                        {name: "discovery", id: "discovery", disabled, dataTest: "discovery"});
    const address = h("input", {name: "discovery_address", id: "discovery-address", disabled,
                                dataTest: "discovery-address",
                                placeholder: "domain-cert@" + domain.name});
    address.value = domain.discovery_address_default ? "" : (domain.discovery_address || "");
    return h("fieldset", {class: "discovery", dataTest: "discovery-settings"},
             h("legend", null, "Key discovery"),
             field("Look keys up in DNS (SMIMEA, OPENPGPKEY) and WKD", mode,
                   "A changed record never replaces a pinned key: it waits for approval."),
             field("Address to look up", address, "Empty: domain-cert@" + domain.name + "."));
}

// "Look up keys now": the lookup and what it staged, for this domain.
function discoverySection(domain) {
    if (domain.local || !canChange() || (domain.record && domain.record !== domain.name)) return null;
    const button = h("button", {type: "button", dataTest: "discover-now"}, "Look up keys now");
    const result = h("div", {dataTest: "discover-result"});
    button.addEventListener("click", () => busy(button, () => change(
        () => post(`/domains/${segment(domain.name)}/discover`, {}),
        (answer) => {
            replace(result, table([
                {title: "Source", cell: (f) => f.source},
                {title: "DNSSEC", cell: (f) => f.dnssec + (f.reason ? ` (${f.reason})` : "")},
                {title: "Key", cell: (f) => (f.id ? h("span", {class: "thumb", title: f.id}, grouped(f.id)) : "—")},
                {title: "Usable", cell: (f) => (f.usable ? "yes" : (f.problem || "—"))},
                {title: "Outcome", cell: (f) => h("span", {dataTest: "discover-outcome"},
                    f.outcome + (f.pending_id ? ` (pending change ${f.pending_id})` : "") +
                    (f.note ? `: ${f.note}` : ""))},
            ], answer.findings, {empty: "Nothing found.", dataTest: "discover-findings"}));
            showNotice(`Looked up ${answer.address}.`);
        })));
    return h("section", {"aria-labelledby": "discover-title"},
             h("h2", {id: "discover-title"}, "Key discovery"),
             h("p", {class: "hint"}, "Looks the domain's certificate and key up now; what is new " +
                                     "is staged on the Updates page (or pinned, under auto-dane)."),
             button, result);
}

function settingsForm(domain, certificates) {
    const disabled = !canChange();
    const mode = select(MODES, domain.encrypt_mode, {name: "encrypt_mode", id: "encrypt-mode",
                                                     disabled, dataTest: "encrypt-mode"});
    const profile = select(PROFILES, domain.smime_profile, {name: "smime_profile", id: "smime-profile",
                                                            disabled, dataTest: "smime-profile"});
    const onExpired = select(ON_EXPIRED, domain.on_expired, {name: "on_expired", id: "on-expired",
                                                             disabled, dataTest: "on-expired"});
    const revocation = select(REVOCATION, domain.revocation, {name: "revocation", id: "revocation",
                                                              disabled, dataTest: "revocation"});
    const save = h("button", {type: "submit", class: "primary", dataTest: "domain-save"}, "Save");
    // What only a partner domain has: hidden (and unchanged) while the domain is one of ours.
    const partner = h("div", {hidden: Boolean(domain.local), dataTest: "partner-settings"},
                      field("Encryption mode", mode),
                      methodsFieldset(domain, disabled),
                      certificateFieldset(domain, certificates, disabled),
                      field("S/MIME algorithm profile", profile),
                      field("When every certificate and key has expired", onExpired,
                            "What mandatory mail to this domain gets while only expired " +
                            "certificates or keys are bound."),
                      field("Revocation check", revocation,
                            "For CA-issued certificates with CRL distribution points."),
                      checkbox("Apply the partner's signed update bundles at once (otherwise " +
                               "they wait for approval)",
                               {name: "accept_signed_updates", checked: Boolean(domain.accept_signed_updates),
                                disabled, dataTest: "accept-signed-updates"}),
                      signatureFieldset(domain, disabled),
                      discoveryFieldset(domain, disabled));
    const ours = h("p", {class: "note", hidden: !domain.local},
                   "Mail to one of our own domains is decrypted with our own certificates and keys: " +
                   "there is no partner certificate to choose.");
    const local = checkbox("One of our own (local) domains: inbound mail to it is decrypted",
                           {name: "local", checked: Boolean(domain.local), disabled, dataTest: "local"});
    local.querySelector("input").addEventListener("change", (event) => {
        partner.hidden = event.target.checked;
        ours.hidden = !event.target.checked;
    });
    const form = h("form", {class: "settings", dataTest: "domain-settings"},
                   local, ours, partner,
                   checkbox("Require TLS to the next hop for this domain",
                            {name: "require_tls", checked: Boolean(domain.require_tls), disabled,
                             dataTest: "require-tls"}),
                   canChange() ? h("div", {class: "actions"}, save) : null);
    form.addEventListener("submit", (event) => {
        event.preventDefault();
        const body = changes(form, domain);
        if (Object.keys(body).length === 0) {
            showNotice("Nothing changed.");
            return;
        }
        busy(save, () => change(
            (force) => patch(`/domains/${segment(domain.name)}`, body, {force}),
            async (saved) => {
                showNotice(`Saved the settings of ${saved.name}.`);
                await renderDetailInto(form.closest(".view"), domain.name, false);
            }));
    });
    return form;
}

async function renderDetailInto(view, name, fresh = true) {
    const [domain, certs] = await Promise.all([
        get(`/domains/${segment(name)}`),
        get("/certificates?own=false"),
    ]);
    if (!view || !view.isConnected) return;
    const ownRecord = !domain.record || domain.record === domain.name;
    const remove = canChange() && ownRecord
        ? confirmButton("Delete domain", `Delete the domain ${domain.name} and its settings?`, () =>
            change(() => del(`/domains/${segment(domain.name)}`), () => {
                showNotice(`Deleted ${domain.name}.`);
                navigate("#/domains");
            }), {dataTest: "domain-delete"})
        : null;
    const inherited = domain.record && domain.record !== domain.name
        ? h("p", {class: "note"}, `${domain.name} has no record of its own: these are the settings of `,
            h("a", {href: `#/domains/${segment(domain.record)}`}, domain.record), ".")
        : null;
    replace(view,
            h("p", {class: "crumbs"}, h("a", {href: "#/domains"}, "← All domains")),
            pageHead("Domain settings: " + domain.name, remove),
            inherited,
            nextMessage(domain),
            (domain.warnings || []).length
                ? h("ul", {class: "inline-warnings"}, domain.warnings.map((w) => h("li", null, w))) : null,
            settingsForm(domain, certs.certificates || []),
            discoverySection(domain),
            h("section", {"aria-labelledby": "keys-title"},
              h("h2", {id: "keys-title"}, "OpenPGP keys bound to this domain"),
              boundKeys(domain),
              h("p", {class: "hint"}, "Bind a key on its page: ", h("a", {href: "#/pgp"}, "OpenPGP keys"),
                " → Details for PGP key → Domains.")));
    if (!fresh) view.dataset.ready = "true";
}

export async function renderDetail(view, {id}) {
    await renderDetailInto(view, id);
}
