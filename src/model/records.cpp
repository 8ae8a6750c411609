// model/records.cpp — text forms of the model's enums (CLI, config, database columns).
#include "model/records.hpp"

#include <string_view>

namespace sealgate {

std::string_view to_string(EncryptMode m) {
    switch (m) {
        case EncryptMode::none:
            return "none";
        case EncryptMode::opportunistic:
            return "opportunistic";
        case EncryptMode::mandatory:
            return "mandatory";
    }
    return "none";  // unreachable: every enumerator is handled above
}

std::string_view to_string(SmimeProfile p) {
    switch (p) {
        case SmimeProfile::compat:
            return "compat";
        case SmimeProfile::modern:
            return "modern";
    }
    return "compat";
}

std::string_view to_string(Method m) {
    switch (m) {
        case Method::smime:
            return "smime";
        case Method::pgp:
            return "pgp";
    }
    return "smime";
}

std::string_view to_string(CtlAction a) {
    switch (a) {
        case CtlAction::trust:
            return "trust";
        case CtlAction::block:
            return "block";
    }
    return "trust";
}

std::string_view to_string(Direction d) {
    switch (d) {
        case Direction::inbound:
            return "inbound";
        case Direction::outbound:
            return "outbound";
        case Direction::relay:
            return "relay";
    }
    return "relay";
}

std::string_view to_string(CopyAction a) {
    switch (a) {
        case CopyAction::encrypted:
            return "encrypted";
        case CopyAction::decrypted:
            return "decrypted";
        case CopyAction::passed:
            return "passed";
        case CopyAction::rejected:
            return "rejected";
        case CopyAction::deferred:
            return "deferred";
    }
    return "deferred";
}

std::optional<EncryptMode> parse_encrypt_mode(std::string_view s) {
    for (const auto m : {EncryptMode::none, EncryptMode::opportunistic, EncryptMode::mandatory}) {
        if (s == to_string(m))
            return m;
    }
    return std::nullopt;
}

std::optional<SmimeProfile> parse_smime_profile(std::string_view s) {
    for (const auto p : {SmimeProfile::compat, SmimeProfile::modern}) {
        if (s == to_string(p))
            return p;
    }
    return std::nullopt;
}

std::string_view to_string(AdminRole r) {
    return r == AdminRole::admin ? "admin" : "viewer";
}

std::optional<AdminRole> parse_admin_role(std::string_view s) {
    for (const auto r : {AdminRole::admin, AdminRole::viewer}) {
        if (s == to_string(r))
            return r;
    }
    return std::nullopt;
}

std::optional<CtlAction> parse_ctl_action(std::string_view s) {
    for (const auto a : {CtlAction::trust, CtlAction::block}) {
        if (s == to_string(a))
            return a;
    }
    return std::nullopt;
}

std::optional<Direction> parse_direction(std::string_view s) {
    for (const auto d : {Direction::inbound, Direction::outbound, Direction::relay}) {
        if (s == to_string(d))
            return d;
    }
    return std::nullopt;
}

std::optional<CopyAction> parse_copy_action(std::string_view s) {
    for (const auto a : {CopyAction::encrypted, CopyAction::decrypted, CopyAction::passed,
                         CopyAction::rejected, CopyAction::deferred}) {
        if (s == to_string(a))
            return a;
    }
    return std::nullopt;
}

std::optional<Method> parse_method(std::string_view s) {
    for (const auto m : {Method::smime, Method::pgp}) {
        if (s == to_string(m))
            return m;
    }
    return std::nullopt;
}

std::optional<std::vector<Method>> parse_methods(std::string_view s) {
    std::vector<Method> methods;
    while (true) {
        const auto comma = s.find(',');
        const auto method = parse_method(s.substr(0, comma));
        if (!method)
            return std::nullopt;
        for (const auto seen : methods) {
            if (seen == *method)
                return std::nullopt;  // "smime,smime" is a typo, not a preference order
        }
        methods.push_back(*method);
        if (comma == std::string_view::npos)
            return methods;
        s.remove_prefix(comma + 1);
    }
}

std::string methods_to_string(const std::vector<Method>& methods) {
    std::string out;
    for (const auto m : methods) {
        if (!out.empty())
            out += ',';
        out += to_string(m);
    }
    return out;
}

std::string_view to_string(ExpiredAction a) {
    return a == ExpiredAction::reject ? "reject" : "defer";
}

std::string_view to_string(Revocation r) {
    return r == Revocation::hard ? "hard" : "soft";
}

std::string_view to_string(PendingState s) {
    switch (s) {
        case PendingState::pending:
            return "pending";
        case PendingState::approved:
            return "approved";
        case PendingState::rejected:
            return "rejected";
    }
    return "pending";
}

std::optional<ExpiredAction> parse_expired_action(std::string_view s) {
    for (const auto a : {ExpiredAction::defer, ExpiredAction::reject}) {
        if (s == to_string(a))
            return a;
    }
    return std::nullopt;
}

std::optional<Revocation> parse_revocation(std::string_view s) {
    for (const auto r : {Revocation::soft, Revocation::hard}) {
        if (s == to_string(r))
            return r;
    }
    return std::nullopt;
}

std::optional<PendingState> parse_pending_state(std::string_view s) {
    for (const auto st : {PendingState::pending, PendingState::approved, PendingState::rejected}) {
        if (s == to_string(st))
            return st;
    }
    return std::nullopt;
}

std::string_view to_string(PendingKind k) {
    return k == PendingKind::discovery ? "discovery" : "exchange";
}

std::optional<PendingKind> parse_pending_kind(std::string_view s) {
    for (const auto k : {PendingKind::exchange, PendingKind::discovery}) {
        if (s == to_string(k))
            return k;
    }
    return std::nullopt;
}

std::string_view to_string(KeySource s) {
    switch (s) {
        case KeySource::manual:
            return "manual";
        case KeySource::exchange:
            return "exchange";
        case KeySource::dane:
            return "dane";
        case KeySource::dns:
            return "dns";
        case KeySource::wkd:
            return "wkd";
    }
    return "manual";
}

std::optional<KeySource> parse_key_source(std::string_view s) {
    for (const auto k : {KeySource::manual, KeySource::exchange, KeySource::dane, KeySource::dns,
                         KeySource::wkd}) {
        if (s == to_string(k))
            return k;
    }
    return std::nullopt;
}

std::string_view to_string(DiscoveryMode m) {
    switch (m) {
        case DiscoveryMode::off:
            return "off";
        case DiscoveryMode::review:
            return "review";
        case DiscoveryMode::auto_dane:
            return "auto-dane";
    }
    return "off";
}

std::optional<DiscoveryMode> parse_discovery_mode(std::string_view s) {
    for (const auto m : {DiscoveryMode::off, DiscoveryMode::review, DiscoveryMode::auto_dane}) {
        if (s == to_string(m))
            return m;
    }
    return std::nullopt;
}

std::string_view to_string(SignMode m) {
    switch (m) {
        case SignMode::none:
            return "none";
        case SignMode::sign:
            return "sign";
        case SignMode::sign_and_encrypt:
            return "sign-and-encrypt";
    }
    return "none";
}

std::string_view to_string(SignatureAction a) {
    return a == SignatureAction::mark ? "mark" : "refuse";
}

std::optional<SignMode> parse_sign_mode(std::string_view s) {
    for (const auto m : {SignMode::none, SignMode::sign, SignMode::sign_and_encrypt}) {
        if (s == to_string(m))
            return m;
    }
    return std::nullopt;
}

std::optional<SignatureAction> parse_signature_action(std::string_view s) {
    for (const auto a : {SignatureAction::refuse, SignatureAction::mark}) {
        if (s == to_string(a))
            return a;
    }
    return std::nullopt;
}

}  // namespace sealgate
