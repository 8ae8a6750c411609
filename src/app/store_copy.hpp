// app/store_copy.hpp — `sealgate store copy`: a whole store into an empty one, verified.
//
// The copy goes table by table through the Store interface (store/store.hpp), so it works
// between any two backends (SQLite → PostgreSQL to move a single gateway into a cluster, and
// back) and every rule of the target backend applies to what it writes (lower-casing, its
// schema's checks). Sealed private keys are copied as they are: sealed with the master key, which
// the target's nodes must be given as well (the same file).
//
// Contract:
//   - The target must be empty: every table without a row (a new store, or a schema that
//     `sealgate init` just made). A target that holds anything is refused before a write.
//   - The mail log, the audit log and the pending changes are written oldest first; the target
//     numbers them itself, so their ids are renumbered (1..n on a new store) in the same order.
//     Their checksums therefore leave the id out; everything else of every record is in it.
//   - Verification: after the copy both stores are read again and, per table, the row count and a
//     SHA-256 over a canonical serialisation of the records (the same code for both sides: each
//     field length-prefixed, in a fixed order, records in the store's listing order) must match.
//     A source that changed while it was copied (a gateway still writing) fails verification:
//     stop the gateways on the source first.
//   - On a failure the target may hold a partial copy (the interface has no transaction across
//     tables): the error says so; empty the target before trying again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/store.hpp"

namespace sealgate::app {

// One table as both stores have it.
struct TableSum {
    std::string name;  // "domains", "certificates", ..., "settings"
    std::uint64_t rows = 0;
    std::string sha256;  // lower-case hex over the table's canonical records
};

// Every table of `store`, in the order of the copy: counts and checksums.
Result<std::vector<TableSum>> table_sums(Store& store);

struct CopyReport {
    std::vector<TableSum> source;  // read again after the copy
    std::vector<TableSum> target;
    bool verified = false;  // every count and checksum equal
};

// Copies every table of `from` into `to`, which must be empty, then verifies. An error only when
// the copy could not be made (refused target, a failed read or write); a mismatch comes back as
// a report with verified false.
Result<CopyReport> copy_store(Store& from, Store& to);

// The number of mail log records in `store` (the target is opened to keep at least that many).
Result<std::uint64_t> count_log(Store& store);

}  // namespace sealgate::app
