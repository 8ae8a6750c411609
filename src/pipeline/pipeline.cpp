#include "pipeline/pipeline.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "core/text.hpp"
#include "pipeline/delivery.hpp"
#include "pipeline/stages.hpp"

namespace sealgate::pipeline {

namespace {

bool address_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || u >= 0x80 ||
           std::string_view("!#$%&'*+-/=?^_`{|}~.@").find(c) != std::string_view::npos;
}

// Is the address named in the visible recipient fields? Case-insensitive, on address
// boundaries ("bob@x" is not named by "kbob@x").
bool named_in(std::string_view address, const std::string& visible) {
    if (address.empty())
        return false;
    const auto eq = [](char a, char b) { return ascii_lower(a) == ascii_lower(b); };
    auto it = visible.begin();
    while (true) {
        it = std::search(it, visible.end(), address.begin(), address.end(), eq);
        if (it == visible.end())
            return false;
        const auto begin = static_cast<std::size_t>(it - visible.begin());
        const auto end = begin + address.size();
        const bool left_ok = begin == 0 || !address_char(visible[begin - 1]);
        const bool right_ok = end == visible.size() || !address_char(visible[end]);
        if (left_ok && right_ok)
            return true;
        ++it;
    }
}

struct Group {
    policy::Treatment treatment;
    std::vector<std::string> recipients;
};

// Stage 4: one group per treatment; a Bcc recipient never shares a copy.
Result<std::vector<Group>> classify(const policy::Snapshot& snap, const Envelope& env,
                                    const mime::Entity& message, policy::Mode mode) {
    std::string visible;
    for (const auto& f : message.fields())
        if (f.is("To") || f.is("Cc"))
            visible += f.value() + "\n";

    std::vector<Group> groups;
    std::map<std::string, std::size_t> by_key;
    for (const auto& rcpt : env.recipients) {
        auto t = policy::decide(snap, env.sender, rcpt, mode);
        SEALGATE_TRY(t);
        // The daemon asked the same at RCPT (delivery.hpp: admit()); the policy may have changed
        // since, and the offline filters have no RCPT.
        SEALGATE_TRY(admissible(*t, rcpt));
        const bool bcc = !named_in(rcpt, visible) && env.recipients.size() > 1;
        const std::string key = t->group_key();
        if (!bcc) {
            if (const auto it = by_key.find(key); it != by_key.end()) {
                groups[it->second].recipients.push_back(rcpt);
                continue;
            }
            by_key.emplace(key, groups.size());
        }
        groups.push_back({std::move(*t), {rcpt}});
    }
    return groups;
}

// Stage 5, outbound: the payload, its signature, its encryption (stages.hpp).
Result<Outcome> outbound_copy(mime::Entity& message, const policy::Treatment& t,
                              keystore::Keys& keys, const Options& options) {
    Outcome out;
    const bool encrypt = t.action == policy::Action::encrypt;
    if (!encrypt && !t.signer) {
        // In clear and unsigned: the message passes as it is.
        out.action = CopyAction::passed;
        out.detail = t.reason;
        out.signature = signing_note(t);
        return out;
    }
    std::string payload = make_payload(message, t);
    if (t.signer) {
        if (!encrypt)
            payload = transport_safe(std::move(payload));
        auto signed_payload = sign_payload(std::move(payload), *t.signer, t.profile, keys);
        SEALGATE_TRY(signed_payload);
        payload = std::move(*signed_payload);
    }
    if (encrypt) {
        auto r = t.method == Method::pgp
                     ? encrypt_pgp(message, std::move(payload), t, options.pgp_encryptor)
                     : encrypt_smime(message, std::move(payload), t);
        SEALGATE_TRY(r);
        out = std::move(*r);
    } else {
        SEALGATE_TRY(set_payload(message, std::move(payload)));
        out.action = CopyAction::passed;
        out.detail = t.reason;
    }
    out.signature = signing_note(t);
    return out;
}

// Stage 5, inbound: decryption, then the signature (stages.hpp).
Result<Outcome> inbound_copy(mime::Entity& message, const policy::Snapshot& snap,
                             std::string_view sender, keystore::Keys& keys,
                             const Options& options) {
    // S/MIME first; what is not S/MIME may be PGP/MIME or inline PGP.
    auto d = decrypt_smime(message, keys);
    SEALGATE_TRY(d);
    if (d->outcome.action == CopyAction::passed && d->outcome.method.empty()) {
        d = decrypt_pgp(message, keys, pgp_verify_keys(snap, message, sender));
        SEALGATE_TRY(d);
    }
    Outcome out = d->outcome;
    auto signature = check_inbound_signature(message, std::move(*d), snap, sender, options.limits,
                                             options.pgp_verifier);
    SEALGATE_TRY(signature);
    SEALGATE_TRY(enforce_signature_rule(message, *signature));
    out.signature = signature->verdict.header();
    for (const auto& note : signature->notes)
        out.detail += (out.detail.empty() ? "" : "; ") + note;
    return out;
}

// Stages 5 and 6 for one copy.
Result<Outcome> transform(mime::Entity& message, const policy::Treatment& t,
                          const policy::Snapshot& snap, std::string_view sender,
                          keystore::Keys& keys, const Options& options) {
    Result<Outcome> out = Outcome{};
    switch (t.action) {
        case policy::Action::decrypt:
            out = inbound_copy(message, snap, sender, keys, options);
            break;
        case policy::Action::encrypt:
        case policy::Action::pass:
            out = outbound_copy(message, t, keys, options);
            break;
        case policy::Action::refuse:
            // classify() refuses such a message before any copy is made (admissible()).
            return fail(refusal(t));
    }
    SEALGATE_TRY(out);
    out->direction = t.direction;
    annotate(message, *out);
    return out;
}

}  // namespace

bool Plan::in_clear() const {
    return std::all_of(groups_.begin(), groups_.end(), [](const Group& g) {
        return g.treatment.action == policy::Action::pass && !g.treatment.signer;
    });
}

Pipeline::Pipeline(std::shared_ptr<const policy::Snapshot> snapshot, keystore::Keys& keys,
                   Options options)
    : snapshot_(std::move(snapshot)), keys_(keys), options_(options) {}

Result<Plan> Pipeline::plan(const Envelope& envelope, std::string message, policy::Mode mode) {
    if (envelope.recipients.empty())
        return fail(Error::usage("no recipients"));
    // 1. canonicalise, 2. parse
    auto parsed = mime::Entity::parse(mime::to_crlf(std::move(message)), options_.limits);
    SEALGATE_TRY(parsed);
    // 3. sanitise
    parsed->remove_prefix("X-Sealgate-");
    // 4. classify
    auto groups = classify(*snapshot_, envelope, *parsed, mode);
    SEALGATE_TRY(groups);
    Plan plan;
    plan.message_ = std::move(*parsed);
    plan.sender_ = envelope.sender;
    for (auto& g : *groups)
        plan.groups_.push_back({std::move(g.treatment), std::move(g.recipients)});
    return plan;
}

Result<Copy> Pipeline::render(Plan& plan) {
    const std::size_t i = plan.rendered_;
    if (i >= plan.groups_.size())
        return fail(Error::temp("pipeline: every copy is rendered already"));
    // 5. transform and 6. annotate. The last copy takes the parsed message itself so that a
    // single-copy message (the usual case) is never duplicated in memory.
    auto& g = plan.groups_[i];
    const bool last = i + 1 == plan.groups_.size();
    mime::Entity entity = last ? std::move(plan.message_) : plan.message_;
    ++plan.rendered_;
    auto outcome = transform(entity, g.treatment, *snapshot_, plan.sender_, keys_, options_);
    SEALGATE_TRY(outcome);
    return Copy{std::move(g.recipients), std::move(entity).serialize(), std::move(*outcome)};
}

Result<std::vector<Copy>> Pipeline::process(const Envelope& envelope, std::string message,
                                            policy::Mode mode) {
    auto p = plan(envelope, std::move(message), mode);
    SEALGATE_TRY(p);
    std::vector<Copy> copies;
    copies.reserve(p->copies());
    while (copies.size() < p->copies()) {
        auto copy = render(*p);
        SEALGATE_TRY(copy);
        copies.push_back(std::move(*copy));
    }
    return copies;
}

}  // namespace sealgate::pipeline
