// page-pgp.js — #/pgp (the keys, import by file or paste, create our own key) and
// #/pgp/<fingerprint> ("Details for PGP key": the fingerprint for the phone check, trust, and the
// domains the key encrypts for).

import {call, get, post, del, patch, segment} from "./api.js";
import {h, replace, table, field, checkbox, select, facts, grouped, short, when, day, readFile} from "./dom.js";
import {pageHead, canChange, change, showNotice, confirmButton, busy, navigate} from "./ui.js";

function usableBadge(key) {
    return key.usable
        ? h("span", {class: "badge good", dataTest: "usable"}, "usable")
        : h("span", {class: "badge bad", dataTest: "usable", title: key.reason || ""}, "not usable");
}

function keyName(key) {
    return key.primary_uid || (key.uids || [])[0] || "(no user ID)";
}

function importForm() {
    const file = h("input", {type: "file", id: "pgp-file", accept: ".asc,.gpg,.pgp,.key", dataTest: "pgp-file"});
    const text = h("textarea", {id: "pgp-text", rows: "6", spellcheck: "false", dataTest: "pgp-text",
                                placeholder: "-----BEGIN PGP PUBLIC KEY BLOCK-----"});
    const button = h("button", {type: "submit", class: "primary", dataTest: "pgp-import"}, "Import");
    const form = h("form", {class: "panel", "aria-labelledby": "pgp-import-title"},
                   h("h2", {id: "pgp-import-title"}, "Import a key"),
                   h("div", {class: "row"},
                     field("Key file", file, "Armored or binary: a partner's public key, an update or a revocation."),
                     field("Or paste the armored key", text)),
                   h("div", {class: "actions"}, button));
    form.addEventListener("submit", (event) => {
        event.preventDefault();
        busy(button, () => change(async () => {
            let body;
            if (file.files.length) body = new Uint8Array(await readFile(file.files[0], "bytes"));
            else if (text.value.trim()) body = text.value;
            else throw new Error("Choose a key file or paste an armored key.");
            return call("POST", "/pgp/keys", {body, contentType: "application/pgp-keys"});
        }, (imported) => {
            const list = imported.imported || [];
            showNotice(list.map((k) => `${k.primary_uid || grouped(k.fingerprint)}: ${k.what}`).join("; ") ||
                       "Imported.");
            navigate(`#/pgp/${imported.fingerprint}`);
        }));
    });
    return form;
}

function createForm() {
    const uid = h("input", {type: "text", id: "own-uid", required: true, class: "wide",
                            placeholder: "Example <domain-key@example.com>", dataTest: "own-uid"});
    const algorithm = select([["ed25519", "Ed25519"], ["rsa3072", "RSA 3072"], ["rsa4096", "RSA 4096"]],
                             "ed25519", {id: "own-algorithm", dataTest: "own-algorithm"});
    const expires = h("input", {type: "text", id: "own-expires", value: "2y", required: true, size: "6",
                                pattern: "[0-9]+[ymwdh]|never", dataTest: "own-expires"});
    const button = h("button", {type: "submit", class: "primary", dataTest: "own-create"}, "Create");
    const form = h("form", {class: "row"},
                   field("User ID", uid, "Name and address of the domain key."),
                   field("Algorithm", algorithm),
                   field("Expires after", expires, "2y, 18m, 3w, 10d, 12h or never."),
                   h("div", {class: "field submit"}, button));
    form.addEventListener("submit", (event) => {
        event.preventDefault();
        const body = {uid: uid.value.trim(), algorithm: algorithm.value, expires: expires.value.trim()};
        busy(button, () => change(() => post("/pgp/own-keys", body), (created) => {
            showNotice("Created our OpenPGP key.");
            navigate(`#/pgp/${created.fingerprint}`);
        }));
    });
    return h("details", {class: "panel"}, h("summary", {dataTest: "own-key-summary"}, "Create our own key"), form);
}

export async function renderList(view) {
    const answer = await get("/pgp/keys");
    replace(view,
            pageHead("OpenPGP keys"),
            table([
                {title: "User ID", cell: (k) => h("a", {href: `#/pgp/${k.fingerprint}`, dataTest: "pgp-link"}, keyName(k))},
                {title: "Fingerprint", cell: (k) => h("span", {class: "thumb"}, short(k.fingerprint))},
                {title: "Expires", cell: (k) => (k.expires ? day(k.expires) : "never")},
                {title: "Trusted", cell: (k) => (k.trusted ? "yes" : "no")},
                {title: "Usable", cell: usableBadge},
                {title: "Domains", cell: (k) => (k.domains || []).join(", ")},
                {title: "Own", cell: (k) => (k.own ? (k.retired ? "own, retired" : "own") : "")},
                {title: "Created", cell: (k) => (k.created ? day(k.created) : "")},
            ], answer.keys || [], {empty: "No OpenPGP key yet.", dataTest: "pgp-keys",
                                   rowTest: (k) => "pgp-" + k.fingerprint}),
            canChange() ? importForm() : null,
            canChange() ? createForm() : null);
}

// ---------------------------------------------------------------------------------------------
// Details for PGP key

// "a.example, b.example" → ["a.example", "b.example"]
export function domainList(text) {
    return text.split(/[,\s]+/).map((d) => d.trim()).filter(Boolean);
}

function detailsForm(key, domains, reload) {
    const disabled = !canChange();
    const trusted = checkbox("Trusted: I compared the fingerprint with the key's owner",
                             {id: "pgp-trusted", checked: Boolean(key.trusted), disabled, dataTest: "pgp-trusted"});
    const known = domains.map((d) => d.name);
    const input = h("input", {type: "text", id: "pgp-domains", value: (key.domains || []).join(", "),
                              disabled, autocomplete: "off", class: "wide", dataTest: "pgp-domains"});
    const save = h("button", {type: "submit", class: "primary", dataTest: "pgp-save"}, "Save");
    const form = h("form", {class: "settings", dataTest: "pgp-form"},
                   trusted,
                   field("Domains", input, "Comma-separated: mail to these domains is encrypted to this key " +
                                           "(when their methods include OpenPGP). Domains: " +
                                           (known.length ? known.join(", ") : "none yet") + "."),
                   canChange() ? h("div", {class: "actions"}, save) : null);
    form.addEventListener("submit", (event) => {
        event.preventDefault();
        const body = {trusted: form.querySelector("#pgp-trusted").checked, domains: domainList(input.value)};
        busy(save, () => change(
            (force) => patch(`/pgp/keys/${key.fingerprint}`, body, {force}),
            async () => {
                showNotice("Saved.");
                await reload();
            }));
    });
    return form;
}

function keyFacts(key) {
    return facts([
        ["User IDs", h("ul", {class: "plain", dataTest: "uids"}, (key.uids || []).map((u) => h("li", null, u)))],
        key.algorithm ? ["Algorithm", key.algorithm] : null,
        ["Created", when(key.created), "created"],
        ["Expires", key.expires ? when(key.expires) : "never", "expires"],
        key.strength ? ["Key strength", key.strength] : null,
        ["Secret key", key.own ? "held by this gateway (our key)" : "no (a partner's key)"],
        ["Usable for encryption", [usableBadge(key), key.reason ? [" ", h("span", {dataTest: "reason"}, key.reason)] : null]],
        ["Added", when(key.added)],
    ], "pgp-facts");
}

// Our own key's generations: a new subkey or key, a later expiry, a revocation.
function generationSection(key, reload) {
    const act = (path, body, text, next) => change(() => post(`/pgp/keys/${key.fingerprint}/${path}`, body), async (made) => {
        showNotice(text);
        if (next && made.fingerprint !== key.fingerprint) navigate(`#/pgp/${made.fingerprint}`);
        else await reload();
    });
    const expires = h("input", {type: "text", value: "1y", size: 6, dataTest: "pgp-expires",
                                "aria-label": "Expires in (1y, 18m, 3w, never)"});
    const reason = h("select", {dataTest: "pgp-revoke-reason", "aria-label": "Reason for revocation"},
                     ["superseded", "retired", "compromised"].map((r) => h("option", {value: r}, r)));
    const buttons = [
        h("button", {type: "button", class: "primary", dataTest: "pgp-rotate", on: {click: () =>
            act("rotate", {expires: expires.value}, "New encryption subkey added: partners import the key again.")}}, "New subkey"),
        h("button", {type: "button", dataTest: "pgp-rotate-key", on: {click: () =>
            act("rotate", {new_key: true, expires: expires.value}, "New key made; this one is retired and still decrypts.", true)}}, "New key"),
        h("button", {type: "button", dataTest: "pgp-extend", on: {click: () =>
            act("extend", {expires: expires.value}, "Expiry extended: partners import the key again.")}}, "Extend"),
        expires,
        reason,
        confirmButton("Revoke", "Revoke this key? Partners stop encrypting to it once they import the revocation.",
                      () => act("revoke", {reason: reason.value}, "Revoked."), {dataTest: "pgp-revoke"}),
    ];
    return h("section", {"aria-labelledby": "pgp-gen-title"},
             h("h2", {id: "pgp-gen-title"}, "Generation"),
             h("p", {dataTest: "generation"}, key.retired
                 ? "Retired: no longer offered to partners; it still decrypts mail encrypted to it."
                 : "In service: offered to partners."),
             canChange() ? h("div", {class: "actions"}, buttons) : null);
}

async function renderDetailInto(view, fingerprint) {
    const [key, domains] = await Promise.all([get(`/pgp/keys/${segment(fingerprint)}`), get("/domains")]);
    if (!view.isConnected) return;
    const reload = async () => {
        await renderDetailInto(view, key.fingerprint);
        view.dataset.ready = "true";
    };
    const download = h("a", {class: "button", href: `/api/v1/pgp/keys/${key.fingerprint}/armor`,
                             download: `${key.fingerprint.slice(-16)}.asc`, dataTest: "download-armor"},
                       "Download public key");
    const remove = canChange()
        ? confirmButton("Delete", "Delete this key" + (key.own ? " and its secret key" : "") + "?",
                        () => change(() => del(`/pgp/keys/${key.fingerprint}`), () => {
                            showNotice("Deleted the key.");
                            navigate("#/pgp");
                        }), {dataTest: "pgp-delete"})
        : null;
    delete view.dataset.ready;
    replace(view,
            h("p", {class: "crumbs"}, h("a", {href: "#/pgp"}, "← All OpenPGP keys")),
            pageHead("Details for PGP key", download, remove),
            h("p", {class: "subtitle"}, keyName(key)),
            h("section", {class: "thumbprints", "aria-labelledby": "fpr-title"},
              h("h2", {id: "fpr-title"}, "Fingerprint"),
              h("p", {class: "thumb big", id: "fingerprint", dataTest: "fingerprint"}, grouped(key.fingerprint)),
              h("p", {class: "hint"}, "Compare it with the key's owner, or with gpg --fingerprint.")),
            detailsForm(key, domains.domains || [], reload),
            key.own ? generationSection(key, reload) : null,
            h("section", {"aria-labelledby": "key-facts-title"},
              h("h2", {id: "key-facts-title"}, "Details"), keyFacts(key)));
}

export async function renderDetail(view, {id}) {
    await renderDetailInto(view, id);
}
