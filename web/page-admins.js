// page-admins.js — #/admins: the admin accounts of the web UI and the API tokens of scripts.
// Only an admin sees them (the API answers 403 to a viewer).

import {get, post, del, segment} from "./api.js";
import {h, replace, table, field, select, when} from "./dom.js";
import {pageHead, canChange, change, showNotice, confirmButton, busy, session} from "./ui.js";

const ROLES = [["viewer", "viewer — reads everything, changes nothing"], ["admin", "admin — changes too"]];

function rerender(view) {
    return () => render(view).then(() => {
        view.dataset.ready = "true";
    });
}

function userForm(view) {
    const name = h("input", {type: "text", id: "user-name", required: true,
                             autocomplete: "off", dataTest: "user-name"});
    const role = select(ROLES, "viewer", {id: "user-role", dataTest: "user-role"});
    const password = h("input", {type: "password", id: "user-password", required: true, minlength: "8",
                                 autocomplete: "new-password", dataTest: "user-password"});
    const button = h("button", {type: "submit", class: "primary", dataTest: "user-add"}, "Add user");
    const form = h("form", {class: "panel", "aria-labelledby": "add-user-title"},
                   h("h3", {id: "add-user-title"}, "Add a user"),
                   h("div", {class: "row"}, field("User name", name), field("Role", role),
                     field("Password", password, "At least 8 characters."), h("div", {class: "field submit"}, button)));
    form.addEventListener("submit", (event) => {
        event.preventDefault();
        busy(button, () => change(
            () => post("/users", {name: name.value.trim(), role: role.value, password: password.value}),
            async (user) => {
                await rerender(view)();
                showNotice(`Added the ${user.role} ${user.name}.`);
            }));
    });
    return form;
}

function tokenShown(answer) {
    const value = h("input", {type: "text", readonly: true, id: "new-token", value: answer.token, class: "mono wide",
                              dataTest: "new-token"});
    const copy = h("button", {type: "button", on: {click: async () => {
        value.select();
        try {
            await navigator.clipboard.writeText(answer.token);
            copy.textContent = "Copied";
        } catch (e) {
            copy.textContent = "Press Ctrl+C to copy";
        }
    }}}, "Copy");
    return h("div", {class: "message ok token", dataTest: "token-shown"},
             h("p", null, h("strong", null, `The token ${answer.name} (${answer.role}): `),
               "copy it now — it is shown only this once. Send it as Authorization: Bearer <token>."),
             h("div", {class: "row"}, h("label", {for: "new-token", class: "visually-hidden"}, "New token"), value, copy));
}

function tokenForm(view) {
    const name = h("input", {type: "text", id: "token-name", required: true,
                             autocomplete: "off", dataTest: "token-name"});
    const role = select(ROLES, "viewer", {id: "token-role", dataTest: "token-role"});
    const button = h("button", {type: "submit", class: "primary", dataTest: "token-create"}, "Create token");
    const form = h("form", {class: "panel", "aria-labelledby": "add-token-title"},
                   h("h3", {id: "add-token-title"}, "Create an API token"),
                   h("div", {class: "row"}, field("Token name", name), field("Role", role),
                     h("div", {class: "field submit"}, button)));
    form.addEventListener("submit", (event) => {
        event.preventDefault();
        busy(button, () => change(() => post("/tokens", {name: name.value.trim(), role: role.value}), async (answer) => {
            await rerender(view)();
            view.querySelector("#token-slot").replaceChildren(tokenShown(answer));
            view.querySelector("#new-token").focus();
        }));
    });
    return form;
}

function usersSection(view, users) {
    return h("section", {"aria-labelledby": "users-title"},
             h("h2", {id: "users-title"}, "Users"),
             table([
                 {title: "Name", cell: (u) => u.name},
                 {title: "Role", cell: (u) => u.role},
                 {title: "Created", cell: (u) => when(u.created)},
                 {title: "", cell: (u) => u.name === session.user ? "(you)" : confirmButton(
                     "Remove", `Remove the user ${u.name}? Their sessions end at once.`,
                     () => change(() => del(`/users/${segment(u.name)}`), async () => {
                         await rerender(view)();
                         showNotice(`Removed ${u.name}.`);
                     }), {dataTest: "user-remove-" + u.name})},
             ], users, {dataTest: "users", rowTest: (u) => "user-" + u.name}),
             userForm(view));
}

function tokensSection(view, tokens) {
    return h("section", {"aria-labelledby": "tokens-title"},
             h("h2", {id: "tokens-title"}, "API tokens"),
             h("div", {id: "token-slot"}),
             table([
                 {title: "Name", cell: (t) => t.name},
                 {title: "Role", cell: (t) => t.role},
                 {title: "Created", cell: (t) => when(t.created)},
                 {title: "Last used", cell: (t) => (t.last_used ? when(t.last_used) : "never")},
                 {title: "", cell: (t) => confirmButton(
                     "Revoke", `Revoke the token ${t.name}? Scripts using it stop working at once.`,
                     () => change(() => del(`/tokens/${segment(t.name)}`), async () => {
                         await rerender(view)();
                         showNotice(`Revoked ${t.name}.`);
                     }), {dataTest: "token-revoke-" + t.name})},
             ], tokens, {empty: "No API token.", dataTest: "tokens", rowTest: (t) => "token-" + t.name}),
             tokenForm(view));
}

export async function render(view) {
    if (!canChange()) {
        replace(view, pageHead("Users and tokens"),
                h("p", {class: "note", dataTest: "admins-viewer"},
                  "Only an administrator can see and manage the users and API tokens. You are logged in as ",
                  h("strong", null, session.user), " with the role ", h("strong", null, session.role), "."));
        return;
    }
    const [users, tokens] = await Promise.all([get("/users"), get("/tokens")]);
    replace(view,
            pageHead("Users and tokens"),
            h("p", {class: "lead"}, "Users log in to these pages; scripts use API tokens (docs/api.md). " +
                                    "On the gateway host: sealgate admin user add and sealgate admin token create."),
            usersSection(view, users.users || []),
            tokensSection(view, tokens.tokens || []));
}
