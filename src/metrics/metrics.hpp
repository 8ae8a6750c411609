// metrics/metrics.hpp — what `sealgate serve` counts, and its /metrics page (docs/metrics.md).
//
// One Registry per process (process()): the gateway, the SMTP listener's sampler and the key
// process's client update it from any thread, the /metrics handlers render it. Updates on the
// mail path are relaxed atomics (metrics/instruments.hpp), no lock; the expiry list, replaced
// when the policy is reloaded, and the set of key-request operations, grown on an operation's
// first use, are the only parts behind a mutex.
//
// Families (all named sealgate_*; the page lists HELP for each):
//   messages_total{direction,method,action,result}  one per copy relayed or refused; result is
//                                                  the class of the reply to the end of DATA
//   refusals_total{stage,reason}                    RCPT and DATA refusals by reason class
//   received_bytes_total, relayed_bytes_total       DATA in; copies the next hop accepted
//   smtp_sessions_total, smtp_sessions              connections since start, open now
//   transactions_in_flight                          messages between end of DATA and reply
//   buffered_bytes                                  DATA held in memory now
//   next_hop_errors_total{kind}                     temporary, permanent, tls
//   crypto_duration_seconds                         the pipeline per message (worker thread)
//   transaction_duration_seconds                    end of DATA to the reply
//   key_requests_total{op,result}, key_request_duration_seconds{op}  (record_key_request)
//   certificate_expiry_timestamp_seconds{sha256,owner}
//   pgp_key_expiry_timestamp_seconds{fingerprint,owner}
// (No days-left gauge: promtool's lint wants base units; days left are
// (sealgate_certificate_expiry_timestamp_seconds - time()) / 86400 in PromQL.)
//   build_info{version} 1
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/instruments.hpp"
#include "model/records.hpp"

namespace sealgate::metrics {

// Why a recipient or a message was refused, as a small fixed set of label values.
enum class Refusal {
    rcpt_policy,            // RCPT 550: mandatory encryption without a usable key
    rcpt_policy_temporary,  // RCPT 451: the key expired or was revoked under on-expired defer
    rcpt_policy_error,      // RCPT 451: the policy could not be decided
    rcpt_backlog,           // RCPT 451: the mail log is backlogged
    loop,                   // DATA 554: too many Received: fields
    message,                // DATA: the message cannot be processed (malformed, policy)
    temporary,              // DATA 4xx before relaying: store, crypto, key access
    next_hop,               // DATA 4xx/5xx: the next hop refused a copy
};
inline constexpr std::size_t kRefusals = 8;

enum class NextHopError { temporary, permanent, tls };

// A certificate or OpenPGP key and when it expires, as the policy last loaded it.
struct Expiry {
    enum class Kind { certificate, pgp_key };
    Kind kind = Kind::certificate;
    std::string id;  // SHA-256 of the certificate, fingerprint of the key (lower-case hex)
    bool own = false;
    std::time_t expires = 0;
};

class Registry {
  public:
    Registry();

    // One copy of a message, once the reply to the client (reply_code) is known.
    void count_copy(Direction direction, std::string_view method, CopyAction action,
                    int reply_code);
    void count_refusal(Refusal reason) { refusals_[static_cast<std::size_t>(reason)].add(); }
    void count_next_hop_error(NextHopError kind) {
        next_hop_errors_[static_cast<std::size_t>(kind)].add();
    }
    void record_key_request(std::string_view op, bool ok, std::chrono::nanoseconds took);
    void set_expiries(std::vector<Expiry> expiries);
    void set_version(std::string version);

    Counter received_bytes;
    Counter relayed_bytes;
    Gauge smtp_sessions_total;  // sampled from the listener's own count (monotonic)
    Gauge smtp_sessions;
    Gauge in_flight;
    Gauge buffered_bytes;
    Histogram crypto_seconds;
    Histogram transaction_seconds;

    // The page, in the text format (metrics/text.hpp).
    std::string render() const;

  private:
    static constexpr std::size_t kDirections = 3, kMethods = 3, kActions = 5, kResults = 3;
    std::array<Counter, kDirections * kMethods * kActions * kResults> messages_;
    std::array<Counter, kRefusals> refusals_;
    std::array<Counter, 3> next_hop_errors_;

    struct KeyOp {
        explicit KeyOp(std::string name);
        std::string name;
        Counter ok;
        Counter failed;
        Histogram seconds;
    };
    static constexpr std::size_t kMaxKeyOps = 16;
    // Slots filled in order under mutex_, published by key_ops_used_ (release/acquire).
    std::array<std::unique_ptr<KeyOp>, kMaxKeyOps> key_ops_;
    std::atomic<std::size_t> key_ops_used_{0};

    mutable std::mutex mutex_;
    std::vector<Expiry> expiries_;
    std::string version_;
};

// The process's registry.
Registry& process();

// For the key process's client: one round trip of operation `op` (a short constant such as
// "smime_decrypt"; beyond 16 distinct names they count as "other"), whether it succeeded, and
// how long it took.
void record_key_request(std::string_view op, bool ok, std::chrono::nanoseconds took);

}  // namespace sealgate::metrics
