// app.js — the web UI's entry: the session, the navigation, and the hash router.
//
// Routes are "#/page", "#/page/<id>" and an optional "?query" (the mail log's filters, a list's
// cursor). Each route renders into a fresh container: a page that finishes loading after the
// administrator went elsewhere writes into a detached element and changes nothing on screen.

import {get, setCsrfToken} from "./api.js";
import {h} from "./dom.js";
import {session, pageChanged, loadFailed} from "./ui.js";
import * as dashboard from "./page-dashboard.js";
import * as domains from "./page-domains.js";
import * as certificates from "./page-certificates.js";
import * as pgp from "./page-pgp.js";
import * as trust from "./page-trust.js";
import * as testMessage from "./page-test.js";
import * as maillog from "./page-maillog.js";
import * as admins from "./page-admins.js";
import * as audit from "./page-audit.js";
import * as updates from "./page-updates.js";

// route name → [list page, detail page (or null)]
const routes = {
    dashboard: [dashboard.render, null],
    domains: [domains.renderList, domains.renderDetail],
    certificates: [certificates.renderList, certificates.renderDetail],
    pgp: [pgp.renderList, pgp.renderDetail],
    trust: [trust.render, null],
    updates: [updates.render, null],
    test: [testMessage.render, null],
    maillog: [maillog.renderList, maillog.renderDetail],
    admins: [admins.render, null],
    audit: [audit.render, null],
};

// "#/certificates/5d0e?x=1" → {name: "certificates", id: "5d0e", params: URLSearchParams}
export function parseHash(hash) {
    const text = hash.replace(/^#\/?/, "");
    const [path, queryText] = text.split("?", 2);
    const [name, ...rest] = path.split("/");
    let id = rest.length ? rest.join("/") : "";
    try {
        id = decodeURIComponent(id);
    } catch (e) {
        // A malformed escape: the page reports the id as not found.
    }
    return {name: name || "dashboard", id, params: new URLSearchParams(queryText || "")};
}

function markNavigation(name) {
    for (const link of document.querySelectorAll("nav a[data-nav]")) {
        if (link.dataset.nav === name) link.setAttribute("aria-current", "page");
        else link.removeAttribute("aria-current");
    }
}

let lastPage = "";

async function route() {
    if (!location.hash.startsWith("#/")) {
        location.replace("#/dashboard");
        return;
    }
    const {name, id, params} = parseHash(location.hash);
    // A new page takes the focus to its heading; a new query of the same page (a filter, the
    // next page of a list) leaves it where the administrator is.
    const newPage = name + "/" + id !== lastPage;
    lastPage = name + "/" + id;
    const main = document.getElementById("main");
    const view = h("div", {class: "view", dataTest: "page-" + name}, h("p", {class: "loading"}, "Loading…"));
    main.replaceChildren(view);
    pageChanged();
    markNavigation(name);
    const pages = routes[name];
    if (!pages) {
        view.replaceChildren(h("h1", null, "No such page"),
                             h("p", null, h("a", {href: "#/dashboard"}, "Back to the dashboard")));
        return;
    }
    const render = id && pages[1] ? pages[1] : pages[0];
    try {
        await render(view, {id, params});
    } catch (error) {
        if (view.isConnected) loadFailed(view, error);
        return;
    }
    if (view.isConnected) {
        document.title = (view.querySelector("h1")?.textContent || "sealgate") + " — sealgate";
        view.dataset.ready = "true";
        const heading = view.querySelector("h1");
        if (heading && (newPage || document.activeElement === document.body)) {
            heading.tabIndex = -1;
            heading.focus({preventScroll: true});
        }
    }
}

function showSession() {
    document.getElementById("who-user").textContent = session.user;
    document.getElementById("who-role").textContent = session.role;
    document.getElementById("logout-csrf").value = session.csrf_token || "";
    document.body.classList.toggle("role-viewer", session.role !== "admin");
}

async function start() {
    let me;
    try {
        me = await get("/session");
    } catch (error) {
        if (error.status === 401) {
            location.assign("/");
            return;
        }
        loadFailed(document.getElementById("main"), error);
        return;
    }
    Object.assign(session, me);
    setCsrfToken(me.csrf_token);
    showSession();
    document.getElementById("skip").addEventListener("click", (event) => {
        event.preventDefault();
        document.getElementById("main").focus();
    });
    window.addEventListener("hashchange", route);
    await route();
}

start();
