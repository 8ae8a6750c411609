// discover/records.hpp — the content of SMIMEA (RFC 8162) and OPENPGPKEY (RFC 7929) records,
// read and written, and the judgement of what a record or a WKD reply carries.
//
// Contract:
//   - No network and no store: bytes in, a parsed record or a judged Finding out.
//   - parse_smimea refuses rdata shorter than its three octets or with empty association data.
//   - judge_* fill a Finding's record fields (data, id, validity, subject) and usable/problem;
//     the caller sets where it came from (source, address, where, dnssec, ttl). A record that
//     cannot be read is a Finding with usable = false and the reason, not an error.
//   - Usable means sealgate could encrypt to it once pinned: for a certificate, crypto/verify's
//     judgement as if it were trusted on the CTL (validity, key usage, a key S/MIME can use);
//     for a key, openpgp::encryption_usability and a valid user ID naming the address. The
//     minimum key sizes are the policy's, applied when a pinned key is used.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "discover/discover.hpp"

namespace sealgate::discover {

// At most this many records of one answer (or keys of one WKD reply or record) are judged; an
// answer or reply with more is refused as a whole, none of it judged (docs/discovery.md).
inline constexpr std::size_t kMaxRecords = 16;

struct Smimea {
    unsigned usage = 0;     // 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE
    unsigned selector = 0;  // 0 whole certificate, 1 SubjectPublicKeyInfo
    unsigned matching = 0;  // 0 exact, 1 SHA-256, 2 SHA-512
    std::string data;       // the certificate association data
};

Result<Smimea> parse_smimea(std::string_view rdata);

// The SMIMEA record of a certificate and the OPENPGPKEY record of a key, as RDATA.
std::string smimea_rdata(std::string_view der);  // usage 3, selector 0, matching 0

// Zone-file lines (RFC 1035 master file form, owner name absolute), one record per line:
//   <name>. IN SMIMEA 3 0 0 <hex of the whole DER>
//   <name>. IN OPENPGPKEY <base64 of the binary transferable public key>
std::string smimea_zone_line(std::string_view local_part, std::string_view domain,
                             std::string_view der);
std::string openpgpkey_zone_line(std::string_view local_part, std::string_view domain,
                                 std::string_view public_key);

// Fill `f` from an SMIMEA record.
void judge_smimea(const Smimea& record, std::time_t now, Finding& f);
// One Finding per key in `bytes` (binary or armored), each a copy of `base` filled in; one
// unusable Finding without a key when bytes hold no key or more than kMaxRecords keys.
// `one_key`: the OPENPGPKEY form, where a record with more than one primary key is refused.
std::vector<Finding> judge_openpgp(std::string_view bytes, bool one_key, std::time_t now,
                                   const Finding& base);

// Split "local@domain" at the last '@' (both parts non-empty) and normalise the domain.
struct SplitAddress {
    std::string local;
    std::string domain;
};
Result<SplitAddress> split_address(std::string_view address);

}  // namespace sealgate::discover
