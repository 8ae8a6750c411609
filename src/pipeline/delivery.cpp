#include "pipeline/delivery.hpp"

namespace sealgate::pipeline {

Error refusal(const policy::Treatment& treatment, std::string_view recipient) {
    std::string reason =
        recipient.empty() ? treatment.reason : std::string(recipient) + ": " + treatment.reason;
    if (treatment.temporary)
        return Error::temp("4.7.1", treatment.refusal_text, std::move(reason));
    return Error::perm(550, "5.7.1", treatment.refusal_text, std::move(reason));
}

Status admissible(const policy::Treatment& treatment, std::string_view recipient) {
    if (treatment.action == policy::Action::refuse)
        return fail(refusal(treatment, recipient));
    return ok();
}

Admission admit(const Result<policy::Treatment>& decision) {
    Admission a;
    if (!decision) {
        a.verdict = Admission::Verdict::error;
        a.reply = smtp::Reply::from_error(decision.error());
        a.reason = decision.error().reason;
        return a;
    }
    if (auto st = admissible(*decision); !st) {
        a.verdict = Admission::Verdict::refuse;
        a.reply = smtp::Reply::from_error(st.error());
        a.direction = decision->direction;
        a.reason = st.error().reason;
        return a;
    }
    a.reply = smtp::Reply::make(250, "2.1.5", "Ok");
    return a;
}

Admission admit(const policy::Snapshot& snapshot, std::string_view sender,
                std::string_view recipient, bool log_backlog) {
    // Every copy is logged: while the log cannot keep up, take no new mail.
    if (log_backlog) {
        Admission a;
        a.verdict = Admission::Verdict::backlog;
        a.reply = smtp::Reply::make(451, "4.3.0", "Mail log backlog, try again later");
        return a;
    }
    return admit(policy::decide(snapshot, sender, recipient, policy::Mode::automatic));
}

namespace {
constexpr std::string_view kSignatureRequired =
    "A valid signature of the sending domain is required";
}  // namespace

Error signature_refusal(std::string reason) {
    return Error::perm(550, "5.7.1", std::string(kSignatureRequired), std::move(reason));
}

std::optional<Error> hop_limit(std::size_t received_fields, std::size_t limit) {
    if (received_fields < limit)
        return std::nullopt;
    return Error::perm(554, "5.4.6", "Too many hops; is mail looping?",
                       "too many hops: " + std::to_string(received_fields) +
                           " Received: fields, limit " + std::to_string(limit) + " (mail loop?)");
}

smtp::Reply unrelayed_reply(const Error& error) {
    if (error.code == 550 && error.status == "5.7.1" && error.public_text != kSignatureRequired)
        return smtp::Reply::make(451, "4.7.1", "Encryption policy changed; try again later");
    return smtp::Reply::from_error(error);
}

CopyAction unrelayed_action(const Error& error) {
    return error.temporary() ? CopyAction::deferred : CopyAction::rejected;
}

smtp::Envelope copy_envelope(const smtp::Envelope& original,
                             const std::vector<std::string>& recipients) {
    smtp::Envelope out = original;
    out.recipients.clear();
    for (const auto& address : recipients) {
        for (const auto& r : original.recipients) {
            if (r.address == address) {
                out.recipients.push_back(r);
                break;
            }
        }
    }
    out.size.reset();
    return out;
}

CopyTls copy_tls(const policy::Snapshot& snapshot, TlsLevel next_hop,
                 const std::vector<std::string>& recipients) {
    TlsLevel level = next_hop;
    for (const auto& rcpt : recipients)
        if (const auto* dom = snapshot.find_domain(policy::domain_of(rcpt)))
            level = strongest(level, dom->tls);
    return {level, level > next_hop};
}

CopyAction logged_action(const CopyResult& result, CopyAction done, const smtp::Reply& answer) {
    if (result.reply.positive())
        return done;
    return result.reply.permanent() && answer.permanent() ? CopyAction::rejected
                                                          : CopyAction::deferred;
}

smtp::Reply fold(std::span<const CopyResult> results, std::size_t planned,
                 std::string_view queue_id) {
    std::size_t permanent = 0;  // copies the next hop refused with a 5xx
    std::optional<smtp::Reply> failure;
    bool ours = false;  // failure is our own reply (not the next hop's), answered as it is
    for (const auto& r : results) {
        if (r.complete())
            continue;
        if (r.reply.permanent())
            ++permanent;
        if (!failure && r.tls_refused) {
            // Ours, not the next hop's: say that we would not send in clear.
            ours = true;
            failure = smtp::Reply::make(
                451, "4.7.5",
                r.domain_asked_tls
                    ? "TLS to the next hop is required for this domain and was not available"
                    : "TLS to the next hop is required and was not available");
        }
        if (!failure)
            failure = r.reply;
        if (r.reply.positive() && failure->positive()) {
            // Some recipients refused, the rest accepted: answering 250 would lose the refused
            // ones, so the whole message is deferred (duplicates for the others are acceptable).
            ours = true;
            failure = smtp::Reply::make(451, "4.3.0",
                                        "Next hop refused some recipients; try again later");
        }
    }
    if (results.size() < planned) {
        // A copy failed to render after others were relayed: defer the message (duplicates,
        // never loss).
        ours = true;
        failure =
            smtp::Reply::make(451, "4.3.0", "Not every copy could be prepared; try again later");
    }
    if (!failure)
        return smtp::Reply::make(250, "2.0.0",
                                 "Ok: " + std::to_string(planned) +
                                     (planned == 1 ? " copy" : " copies") + " relayed as " +
                                     std::string(queue_id));
    // Our own words from here on: the next hop's text stays in the log. Its code and enhanced
    // status are short and tell the upstream MTA's log what happened.
    const std::string next_hop_code =
        std::to_string(failure->code) + (failure->status.empty() ? "" : " " + failure->status);
    if (permanent == planned && failure->permanent())
        return smtp::Reply::make(failure->code,
                                 failure->status.starts_with("5.") ? failure->status : "5.0.0",
                                 "Next hop refused the message (" + next_hop_code + ")");
    if (ours)
        return *failure;
    // A temporary failure keeps its enhanced status (4.4.1 "not reachable"): RFC 3463's subject
    // and detail tell the upstream MTA's log why. A 5.x.x cannot go with a 4xx reply, so a
    // permanent refusal among temporary ones becomes 4.4.0.
    const bool keep_status = failure->transient() && failure->status.starts_with("4.");
    return smtp::Reply::make(
        451, keep_status ? failure->status : "4.4.0",
        "Next hop did not accept the message (" + next_hop_code + "); try again later");
}

}  // namespace sealgate::pipeline
