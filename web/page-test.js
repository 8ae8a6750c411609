// page-test.js — #/test: send a test message through the gateway and follow it to the mail log.

import {get, post, query} from "./api.js";
import {h, replace, field} from "./dom.js";
import {pageHead, canChange, change, busy} from "./ui.js";

function resultBox(id) {
    return h("div", {class: "result", dataTest: "test-result"},
             h("p", null, "The gateway accepted the test message. Its Message-ID: ",
               h("code", {dataTest: "test-id"}, id)),
             h("p", null, h("a", {href: "#/maillog" + query({message_id: id}), dataTest: "test-maillog"},
                            "See what the gateway did with it in the mail log")));
}

export async function render(view) {
    // The first local domain proposes a sender.
    const domains = (await get("/domains")).domains || [];
    const local = domains.find((d) => d.local);
    const from = h("input", {type: "email", id: "test-from", required: true, autocomplete: "off",
                             value: local ? `postmaster@${local.name}` : "", class: "wide", dataTest: "test-from"});
    const to = h("input", {type: "email", id: "test-to", required: true, autocomplete: "off",
                           placeholder: "postmaster@partner.example", class: "wide", dataTest: "test-to"});
    const send = h("button", {type: "submit", class: "primary", dataTest: "test-send"}, "Send test message");
    const result = h("div", {id: "test-result"});
    const form = h("form", {class: "settings"},
                   field("From", from, "An address in one of our own domains."),
                   field("To", to, "An address in the partner's domain."),
                   h("div", {class: "actions"}, send));
    form.addEventListener("submit", (event) => {
        event.preventDefault();
        result.replaceChildren();
        busy(send, () => change(() => post("/test-message", {from: from.value.trim(), to: to.value.trim()}),
                                (answer) => result.replaceChildren(resultBox(answer.id))));
    });
    replace(view,
            pageHead("Send a test message"),
            h("p", {class: "lead"}, "The gateway builds a short message and sends it to its own SMTP listener, " +
                                    "as any sender would: it is encrypted or refused exactly as real mail."),
            canChange() ? form : h("p", {class: "note"}, "Only an administrator can send a test message."),
            result);
}
