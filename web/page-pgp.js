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
                {title: "Own", cell: (k) => (k.own ? "own" : "")},
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
            h("section", {"aria-labelledby": "key-facts-title"},
              h("h2", {id: "key-facts-title"}, "Details"), keyFacts(key)));
}

export async function renderDetail(view, {id}) {
    await renderDetailInto(view, id);
}
