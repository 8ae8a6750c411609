#include "metrics/metrics.hpp"

#include <algorithm>
#include <memory>

#include "metrics/text.hpp"

namespace sealgate::metrics {

namespace {

const std::vector<double> kCryptoBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                         0.25,  0.5,    1,     2.5,  5,     10};
const std::vector<double> kTransactionBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                              1,     2.5,  5,     10,   30,  60};
const std::vector<double> kKeyBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                      0.05,   0.1,   0.25,   0.5,   1};

constexpr std::array<std::string_view, 3> kMethodNames{"smime", "pgp", "none"};
constexpr std::array<std::string_view, 3> kResultNames{"2xx", "4xx", "5xx"};
constexpr std::array<Direction, 3> kDirectionValues{Direction::inbound, Direction::outbound,
                                                    Direction::relay};
constexpr std::array<CopyAction, 5> kActionValues{CopyAction::encrypted, CopyAction::decrypted,
                                                  CopyAction::passed, CopyAction::rejected,
                                                  CopyAction::deferred};
struct RefusalName {
    std::string_view stage;
    std::string_view reason;
};
constexpr std::array<RefusalName, kRefusals> kRefusalNames{{
    {"rcpt", "policy"},
    {"rcpt", "policy_temporary"},
    {"rcpt", "policy_error"},
    {"rcpt", "backlog"},
    {"data", "loop"},
    {"data", "message"},
    {"data", "temporary"},
    {"data", "next_hop"},
}};
constexpr std::array<std::string_view, 3> kNextHopErrorNames{"temporary", "permanent", "tls"};

std::size_t method_index(std::string_view method) {
    if (method == "smime")
        return 0;
    if (method == "pgp")
        return 1;
    return 2;
}

std::size_t result_index(int code) {
    if (code >= 200 && code < 300)
        return 0;
    if (code >= 500)
        return 2;
    return 1;  // 4xx, and anything unexpected: not delivered, tried again
}

}  // namespace

Registry::KeyOp::KeyOp(std::string n) : name(std::move(n)), seconds(kKeyBuckets) {}

Registry::Registry() : crypto_seconds(kCryptoBuckets), transaction_seconds(kTransactionBuckets) {}

void Registry::count_copy(Direction direction, std::string_view method, CopyAction action,
                          int reply_code) {
    const auto d = static_cast<std::size_t>(direction);
    const auto a = static_cast<std::size_t>(action);
    if (d >= kDirections || a >= kActions)
        return;
    messages_[((d * kMethods + method_index(method)) * kActions + a) * kResults +
              result_index(reply_code)]
        .add();
}

void Registry::record_key_request(std::string_view op, bool ok, std::chrono::nanoseconds took) {
    if (op.empty() || op.size() > 40)
        op = "other";
    KeyOp* slot = nullptr;
    const std::size_t used = key_ops_used_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < used && slot == nullptr; ++i)
        if (key_ops_[i]->name == op)
            slot = key_ops_[i].get();
    if (slot == nullptr) {
        const std::lock_guard lock(mutex_);
        const std::size_t now_used = key_ops_used_.load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < now_used && slot == nullptr; ++i)
            if (key_ops_[i]->name == op)
                slot = key_ops_[i].get();
        if (slot == nullptr && (op == "other" || now_used >= kMaxKeyOps - 1)) {
            // The last slot is "other": every name beyond the first 15 counts there.
            if (key_ops_[kMaxKeyOps - 1] == nullptr)
                key_ops_[kMaxKeyOps - 1] = std::make_unique<KeyOp>("other");
            slot = key_ops_[kMaxKeyOps - 1].get();
            if (now_used == kMaxKeyOps - 1)
                key_ops_used_.store(kMaxKeyOps, std::memory_order_release);
        } else if (slot == nullptr) {
            key_ops_[now_used] = std::make_unique<KeyOp>(std::string(op));
            slot = key_ops_[now_used].get();
            key_ops_used_.store(now_used + 1, std::memory_order_release);
        }
    }
    (ok ? slot->ok : slot->failed).add();
    slot->seconds.observe(took);
}

void Registry::set_expiries(std::vector<Expiry> expiries) {
    const std::lock_guard lock(mutex_);
    expiries_ = std::move(expiries);
}

void Registry::set_version(std::string version) {
    const std::lock_guard lock(mutex_);
    version_ = std::move(version);
}

std::string Registry::render() const {
    using Type = Exposition::Type;
    Exposition out;
    out.family("sealgate_messages_total", Type::counter,
               "Copies of messages by direction, method, action and the class of the reply to "
               "the end of DATA.");
    for (std::size_t d = 0; d < kDirections; ++d)
        for (std::size_t m = 0; m < kMethods; ++m)
            for (std::size_t a = 0; a < kActions; ++a)
                for (std::size_t r = 0; r < kResults; ++r) {
                    const auto n =
                        messages_[((d * kMethods + m) * kActions + a) * kResults + r].value();
                    if (n == 0)
                        continue;
                    out.sample({{"direction", std::string(to_string(kDirectionValues[d]))},
                                {"method", std::string(kMethodNames[m])},
                                {"action", std::string(to_string(kActionValues[a]))},
                                {"result", std::string(kResultNames[r])}},
                               static_cast<double>(n));
                }
    out.family("sealgate_refusals_total", Type::counter,
               "Recipients refused at RCPT and messages refused at the end of DATA, by reason "
               "class.");
    for (std::size_t i = 0; i < kRefusals; ++i)
        out.sample({{"stage", std::string(kRefusalNames[i].stage)},
                    {"reason", std::string(kRefusalNames[i].reason)}},
                   static_cast<double>(refusals_[i].value()));
    out.family("sealgate_received_bytes_total", Type::counter,
               "Bytes of message data received (end of DATA).");
    out.sample({}, static_cast<double>(received_bytes.value()));
    out.family("sealgate_relayed_bytes_total", Type::counter,
               "Bytes of copies the next hop accepted.");
    out.sample({}, static_cast<double>(relayed_bytes.value()));
    out.family("sealgate_smtp_sessions_total", Type::counter,
               "SMTP connections accepted since start (sampled every second).");
    out.sample({}, static_cast<double>(smtp_sessions_total.value()));
    out.family("sealgate_smtp_sessions", Type::gauge,
               "SMTP connections open now (sampled every second).");
    out.sample({}, static_cast<double>(smtp_sessions.value()));
    out.family("sealgate_transactions_in_flight", Type::gauge,
               "Messages between the end of DATA and the reply to it.");
    out.sample({}, static_cast<double>(in_flight.value()));
    out.family("sealgate_buffered_bytes", Type::gauge,
               "Message data held in memory now (sampled every second).");
    out.sample({}, static_cast<double>(buffered_bytes.value()));
    out.family("sealgate_next_hop_errors_total", Type::counter,
               "Copies the next hop did not accept: temporary (4xx, connection), permanent "
               "(5xx), tls (its TLS requirement not met, nothing sent).");
    for (std::size_t i = 0; i < next_hop_errors_.size(); ++i)
        out.sample({{"kind", std::string(kNextHopErrorNames[i])}},
                   static_cast<double>(next_hop_errors_[i].value()));
    out.family("sealgate_crypto_duration_seconds", Type::histogram,
               "The pipeline per message (parse, policy, encryption, decryption, signatures) on "
               "a worker thread.");
    out.histogram({}, crypto_seconds.bounds(), crypto_seconds.counts(),
                  crypto_seconds.sum_seconds());
    out.family("sealgate_transaction_duration_seconds", Type::histogram,
               "From the end of DATA to the reply, the next hop's answers included.");
    out.histogram({}, transaction_seconds.bounds(), transaction_seconds.counts(),
                  transaction_seconds.sum_seconds());

    const std::size_t ops = key_ops_used_.load(std::memory_order_acquire);
    out.family("sealgate_key_requests_total", Type::counter,
               "Round trips to the key process by operation and result.");
    for (std::size_t i = 0; i < ops; ++i) {
        out.sample({{"op", key_ops_[i]->name}, {"result", "ok"}},
                   static_cast<double>(key_ops_[i]->ok.value()));
        out.sample({{"op", key_ops_[i]->name}, {"result", "error"}},
                   static_cast<double>(key_ops_[i]->failed.value()));
    }
    out.family("sealgate_key_request_duration_seconds", Type::histogram,
               "Round trip time to the key process by operation.");
    for (std::size_t i = 0; i < ops; ++i)
        out.histogram({{"op", key_ops_[i]->name}}, key_ops_[i]->seconds.bounds(),
                      key_ops_[i]->seconds.counts(), key_ops_[i]->seconds.sum_seconds());

    std::vector<Expiry> expiries;
    std::string version;
    {
        const std::lock_guard lock(mutex_);
        expiries = expiries_;
        version = version_;
    }
    const auto expiry_families = [&](Expiry::Kind kind, std::string_view stem,
                                     std::string_view id_label, std::string_view what) {
        const std::string id(id_label);
        out.family("sealgate_" + std::string(stem) + "_expiry_timestamp_seconds", Type::gauge,
                   "When the " + std::string(what) +
                       " expires (Unix time); own: ours, partner: a partner's.");
        for (const auto& e : expiries)
            if (e.kind == kind)
                out.sample({{id, e.id}, {"owner", e.own ? "own" : "partner"}},
                           static_cast<double>(e.expires));
    };
    expiry_families(Expiry::Kind::certificate, "certificate", "sha256", "certificate");
    expiry_families(Expiry::Kind::pgp_key, "pgp_key", "fingerprint", "OpenPGP key (primary key)");
    out.family("sealgate_build_info", Type::gauge, "The running sealgate's version.");
    out.sample({{"version", version}}, 1);
    return out.text();
}

Registry& process() {
    static Registry registry;
    return registry;
}

void record_key_request(std::string_view op, bool ok, std::chrono::nanoseconds took) {
    process().record_key_request(op, ok, took);
}

}  // namespace sealgate::metrics
