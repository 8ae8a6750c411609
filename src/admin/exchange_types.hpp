// admin/exchange_types.hpp — the typed results of the signed update exchange (admin/exchange.cpp,
// declared in admin/service.hpp): what an exported bundle holds, what an imported one changes,
// and the staged changes (`sealgate pending`). docs/lifecycle.md describes the feature.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "model/records.hpp"

namespace sealgate::admin {

// One certificate or OpenPGP key of a bundle.
struct ExchangeItem {
    std::string kind;   // "certificate" or "pgp-key"
    std::string state;  // "current", "next", "retired" or "revoked"
    std::string id;     // thumbprint or fingerprint
    std::string name;   // subject, or primary user ID
    std::time_t not_before = 0;
    std::time_t not_after = 0;  // 0: never
};

struct ExportedBundle {
    std::string domain;
    std::uint64_t sequence = 0;
    std::string bundle;                 // the file to hand to the partner
    std::vector<ExchangeItem> entries;  // what it lists
    std::vector<std::string> signers;   // thumbprints and fingerprints that signed it
    std::vector<std::string> warnings;  // own certificates or keys left out, and why
};

// What a verified bundle changes for the partner domain; for a pending change of kind discovery
// what the discovered certificate or key adds (sequence 0, signer empty, `found` set).
struct UpdateChange {
    std::string domain;
    std::uint64_t sequence = 0;
    std::time_t created = 0;
    std::string signer;                 // the trusted certificate or key whose signature verified
    std::vector<ExchangeItem> adds;     // current/next ones not yet chosen for the domain
    std::vector<ExchangeItem> retires;  // chosen now, retired or revoked by the bundle
    std::vector<ExchangeItem> updates;  // OpenPGP keys already bound that the bundle refreshes
    std::vector<std::string> warnings;
    PendingKind kind = PendingKind::exchange;
    // discovery: "dane (DNSSEC secure) at <owner name>", "wkd at <url>"
    std::string found{};
};

struct ImportedBundle {
    UpdateChange change;
    bool applied = false;         // the domain has accept-signed-updates: applied at once
    std::int64_t pending_id = 0;  // else the staged change's number
};

struct PendingView {
    PendingChange record;
    UpdateChange change;  // read again from the stored bundle
};

}  // namespace sealgate::admin
