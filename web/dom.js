// dom.js — building the page from data without ever parsing data as HTML.
//
// Everything that comes from the API (subjects, user IDs, addresses, messages) goes into the
// page as text nodes or attribute values, never through innerHTML: a certificate subject such
// as CN=<img src=x onerror=...> shows as those characters and does nothing.

// h("a", {href: "#/x", class: "btn", dataTest: "link"}, "text", child, [more children])
// Attributes: class, id, for, text-like DOM attributes; dataTest → data-test;
// on: {click: fn}; checked, disabled, selected, value set as properties.
export function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
        if (value === undefined || value === null || value === false) continue;
        if (key === "on") {
            for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
        } else if (key === "class") {
            el.className = value;
        } else if (key === "dataTest") {
            el.dataset.test = value;
        } else if (key === "data") {
            Object.assign(el.dataset, value);
        } else if (key === "checked" || key === "disabled" || key === "selected" ||
                   key === "value" || key === "multiple" || key === "required") {
            el[key] = value;
        } else {
            el.setAttribute(key, value === true ? "" : String(value));
        }
    }
    append(el, children);
    return el;
}

export function append(el, children) {
    for (const child of children.flat(Infinity)) {
        if (child === null || child === undefined || child === false) continue;
        el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
}

export function replace(el, ...children) {
    el.replaceChildren();
    return append(el, children);
}

// Hex in groups of four, upper case, for reading aloud: "3F2A 9C41 ...".
export function grouped(hex) {
    const clean = String(hex || "").replace(/[^0-9a-fA-F]/g, "").toUpperCase();
    return clean.replace(/(.{4})(?=.)/g, "$1 ");
}

// A thumbprint shortened for a table cell: the first 16 hex digits, grouped.
export function short(hex) {
    return grouped(String(hex || "").slice(0, 16)) + (String(hex || "").length > 16 ? " …" : "");
}

// A time from the API (ISO 8601 text or seconds since the epoch) in UTC, to the minute.
export function when(value) {
    if (value === null || value === undefined || value === "" || value === 0) return "—";
    const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    return date.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

// The date part only.
export function day(value) {
    const text = when(value);
    return text === "—" ? text : text.slice(0, 10);
}

// Days from now until a time (negative: passed); null when there is no time.
export function daysUntil(value) {
    if (value === null || value === undefined || value === "" || value === 0) return null;
    const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
    if (Number.isNaN(date.getTime())) return null;
    return Math.floor((date.getTime() - Date.now()) / 86400000);
}

export function yesNo(value) {
    return value ? "yes" : "no";
}

// A table: columns [{title, cell: (row) => node|text, class}], rows; empty text when none.
export function table(columns, rows, options = {}) {
    if (!rows || rows.length === 0) {
        return h("p", {class: "empty", dataTest: options.dataTest ? options.dataTest + "-empty" : null},
                 options.empty || "Nothing here yet.");
    }
    const head = h("thead", null, h("tr", null, columns.map((c) => h("th", {scope: "col"}, c.title))));
    const body = h("tbody", null, rows.map((row) =>
        h("tr", {dataTest: options.rowTest ? options.rowTest(row) : null},
          columns.map((c) => h("td", {class: c.class || null}, c.cell(row))))));
    return h("table", {class: "grid", dataTest: options.dataTest || null},
             options.caption ? h("caption", null, options.caption) : null, head, body);
}

// A definition list of [term, value] pairs (a detail page's facts).
export function facts(pairs, dataTest) {
    return h("dl", {class: "facts", dataTest: dataTest || null},
             pairs.filter(Boolean).map(([term, value, test]) => [
                 h("dt", null, term),
                 h("dd", {dataTest: test || null}, value),
             ]));
}

let nextId = 0;

// A unique element id for label/for pairs.
export function uid(prefix) {
    nextId += 1;
    return `${prefix}-${nextId}`;
}

// A labelled form field: <div class="field"><label for=id>Label</label> input hint</div>.
export function field(label, input, hint) {
    if (!input.id) input.id = uid("f");
    const hintEl = hint ? h("p", {class: "hint", id: input.id + "-hint"}, hint) : null;
    if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
    return h("div", {class: "field"}, h("label", {for: input.id}, label), input, hintEl);
}

// A labelled checkbox: the box first, then its label.
export function checkbox(label, attrs) {
    const box = h("input", {type: "checkbox", ...attrs});
    if (!box.id) box.id = uid("c");
    return h("div", {class: "field check"}, box, h("label", {for: box.id}, label));
}

// A <select> of [value, label] options with one selected.
export function select(options, selected, attrs) {
    return h("select", attrs || null,
             options.map(([value, label]) =>
                 h("option", {value, selected: value === selected}, label)));
}

// Reads a File as text or as an ArrayBuffer.
export function readFile(file, as) {
    return new Promise((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result);
        reader.onerror = () => reject(reader.error);
        if (as === "bytes") reader.readAsArrayBuffer(file);
        else reader.readAsText(file);
    });
}

// Base64 of an ArrayBuffer (PKCS#12 files in JSON).
export function base64(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
        binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary);
}
