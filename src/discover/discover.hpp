// discover/discover.hpp — finding a partner domain's certificate or OpenPGP key where the domain
// published it: SMIMEA (RFC 8162) and OPENPGPKEY (RFC 7929) records in DNS, validated with
// DNSSEC (libunbound), and the OpenPGP Web Key Directory over HTTPS (fetch/, libcurl).
//
// Contract:
//   - A lookup only reads: it changes nothing in the store. Staging and pinning what it found
//     are the admin service's (admin/discovery.cpp); the daemon's re-checks call the same lookup
//     on a worker, never on the SMTP path.
//   - One Finding per record found, and one per source that gave none (no_record, bogus or
//     failed, with the reason), so that the caller can say what each source answered.
//   - DNS answers are judged by the validator alone: secure only when libunbound says so with
//     the configured trust anchor. A bogus answer carries no data (its content is not to be
//     believed), only the validator's reason.
//   - WKD results are never "secure": HTTPS authenticates the server, not the key.
//   - Bounded: every query and fetch has a time limit and a size limit; a failure is a Finding
//     with Dnssec::failed, never an exception. A DNS answer with more than kMaxRecords records
//     (discover/records.hpp) or a WKD reply over 256 KiB is refused as a whole, a failure too:
//     nothing in it is judged, so nothing from it can be staged or pinned.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "model/records.hpp"

namespace sealgate::discover {

// What the validator said of a DNS answer. no_record: a validated (or insecure) NXDOMAIN or
// NODATA; failed: no answer at all (resolver unreachable, timeout, SERVFAIL without a
// validation reason) or one refused by the bounds, or for WKD any fetch failure.
enum class Dnssec { secure, insecure, bogus, no_record, failed, not_dns };

std::string_view to_string(Dnssec d);  // "secure", "insecure", "bogus", "no record", "failed", "-"

struct Finding {
    KeySource source = KeySource::dane;  // dane (SMIMEA), dns (OPENPGPKEY), wkd
    Method method = Method::smime;       // smime for SMIMEA, pgp for OPENPGPKEY and WKD
    std::string address;                 // the mailbox looked up ("domain-cert@example.com")
    std::string where;                   // the query name or the URL
    Dnssec dnssec = Dnssec::not_dns;     // WKD: not_dns, no_record (404) or failed
    std::string reason;                  // bogus: the validator's reason; failed: the error
    std::uint32_t ttl = 0;               // seconds until it is to be checked again (WKD: 0)

    // The record (empty for no_record, bogus and failed).
    std::string data;  // SMIMEA: the DER certificate; OPENPGPKEY, WKD: the binary public key
    std::string id;    // SHA-256 thumbprint of the certificate, or the primary key fingerprint
    unsigned usage = 0, selector = 0, matching = 0;  // SMIMEA's fields, as published
    std::time_t not_before = 0, not_after = 0;       // validity (OpenPGP: creation, expiry or 0)
    std::string subject;                             // certificate subject or the key's user IDs

    // Whether sealgate could encrypt to it for the domain now (valid, strong enough, usable
    // for encryption, carries the whole certificate rather than a hash); if not, why.
    bool usable = false;
    std::string problem;
};

// The root zone's trust anchor as Debian's dns-root-data installs it.
inline constexpr const char* kRootAnchor = "/usr/share/dns/root.key";

struct Options {
    // DNS: empty resolver: libunbound's own full recursion from the root (not the resolvers of
    // /etc/resolv.conf: a stub resolver may strip the DNSSEC records); "IP@PORT" or
    // "IP": forward every query to that server (private zones, tests). trust_anchor empty: the
    // root anchor of dns-root-data (/usr/share/dns/root.key); else a file of DS or DNSKEY
    // records as ldns-keygen writes them.
    std::string resolver;
    std::string trust_anchor;
    std::chrono::milliseconds dns_timeout{5'000};

    // WKD: on by default. wkd_ca_file: a CA file to verify the WKD server with instead of the
    // system's (tests); wkd_connect_to: "HOST:PORT" to connect to instead of what DNS says for
    // the WKD host names (tests; curl's CONNECT_TO), the URLs and TLS names stay the real ones.
    bool wkd = true;
    std::string wkd_ca_file;
    std::string wkd_connect_to;
    std::chrono::milliseconds wkd_timeout{10'000};
};

// SMIMEA and OPENPGPKEY for `address`, then WKD (advanced method, then direct) for it. `now`
// judges validity. Errors only for a bad address or options (bad_input); everything the
// network says is in the findings.
Result<std::vector<Finding>> lookup(std::string_view address, const Options& options,
                                    std::time_t now);

// The owner names of RFC 8162 / RFC 7929: SHA-256 of the local part, truncated to 28 octets, in
// hex, then "._smimecert." or "._openpgpkey." and the domain.
std::string smimea_name(std::string_view local_part, std::string_view domain);
std::string openpgpkey_name(std::string_view local_part, std::string_view domain);
// The WKD hash: z-base-32 of the SHA-1 of the lower-cased local part (32 characters).
std::string wkd_hash(std::string_view local_part);
// The WKD URLs for `address`: advanced (openpgpkey.DOMAIN/.well-known/openpgpkey/DOMAIN/hu/...)
// and direct (DOMAIN/.well-known/openpgpkey/hu/...), both with ?l=LOCALPART.
std::string wkd_advanced_url(std::string_view local_part, std::string_view domain);
std::string wkd_direct_url(std::string_view local_part, std::string_view domain);

}  // namespace sealgate::discover
