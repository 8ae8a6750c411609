#include "app/gateway.hpp"

#include <algorithm>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <cstdio>
#include <thread>
#include <utility>

#include "app/cli.hpp"
#include "app/expiry_watch.hpp"
#include "app/message_line.hpp"
#include "core/hex.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "metrics/metrics.hpp"
#include "pipeline/delivery.hpp"
#include "smtp/trace.hpp"

namespace sealgate::app {

namespace {

constexpr auto kPollInterval = std::chrono::seconds(1);
constexpr auto kMaxSnapshotAge = std::chrono::seconds(60);
// The expiry check (app/expiry_watch.hpp): daily, or an hour after a summary mail failed.
constexpr auto kExpiryCheckInterval = std::chrono::hours(24);
constexpr auto kExpiryRetryInterval = std::chrono::hours(1);

// Message-ID of a message, for the log; empty when absent.
std::string message_id_of(std::string_view data) {
    const auto header_end = data.find("\r\n\r\n");
    const std::string_view header = data.substr(0, header_end);
    std::size_t pos = 0;
    while (pos < header.size()) {
        const auto eol = header.find("\r\n", pos);
        const std::string_view line =
            header.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
        if (line.size() > 11 && ascii_lower(line.substr(0, 11)) == "message-id:") {
            std::string_view v = line.substr(11);
            while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
                v.remove_prefix(1);
            return std::string(strip_angle_brackets(v));
        }
        if (eol == std::string_view::npos)
            break;
        pos = eol + 2;
    }
    return {};
}

// A message up to this size is planned on the SMTP thread, and rendered there too when every
// copy leaves in clear (Plan::in_clear()): handing it to a worker and back costs more than
// parsing it (bench/RESULTS.md, connection cost). A larger one never holds up the sessions.
constexpr std::size_t kInlineBytes = 64 * 1024;

// The message planned (stages 1–4) and, when they fit in memory together, every copy rendered.
struct Prepared {
    pipeline::Plan plan;
    std::vector<pipeline::Copy> rendered;  // all copies, or none: render them one at a time
};

// Stages 5–6 for every copy, unless together they would be too large to hold.
Status render_all(pipeline::Pipeline& pipe, Prepared& out) {
    constexpr std::size_t kMaxRendered = 256 * 1024 * 1024;
    if (out.plan.copies() * out.plan.message_size() > kMaxRendered)
        return ok();
    for (std::size_t i = 0; i < out.plan.copies(); ++i) {
        auto copy = pipe.render(out.plan);
        SEALGATE_TRY(copy);
        out.rendered.push_back(std::move(*copy));
    }
    return ok();
}

// Runs on a worker thread: `data` unplanned, or `planned` on the SMTP thread.
Result<Prepared> prepare(Worker& worker, const std::shared_ptr<const policy::Snapshot>& snapshot,
                         const pipeline::Envelope& envelope, std::string data,
                         std::optional<pipeline::Plan> planned) {
    const auto t0 = std::chrono::steady_clock::now();
    auto pipe = worker.pipeline(snapshot);
    if (!planned) {
        auto plan = pipe.plan(envelope, std::move(data), policy::Mode::automatic);
        SEALGATE_TRY(plan);
        planned = std::move(*plan);
    }
    Prepared out{std::move(*planned), {}};
    SEALGATE_TRY(render_all(pipe, out));
    metrics::process().crypto_seconds.observe(std::chrono::steady_clock::now() - t0);
    return out;
}

}  // namespace

Gateway::Gateway(asio::io_context& io, Context& context, net::RelayConfig relay,
                 std::string hostname, std::size_t hopcount_limit)
    : io_(io),
      context_(context),
      hostname_(std::move(hostname)),
      node_(context.config().node()),
      hopcount_limit_(hopcount_limit),
      store_watch_(context.config().store_max_stale, log_line) {
    set_relay(std::move(relay));
}

Gateway::~Gateway() = default;

Gateway::Relays Gateway::make_relays(asio::io_context& io, const net::RelayConfig& relay) {
    Relays out;
    for (const auto level : {TlsLevel::none, TlsLevel::may, TlsLevel::encrypt, TlsLevel::verify}) {
        if (level < relay.tls)
            continue;
        net::RelayConfig at = relay;
        at.tls = level;
        out[static_cast<std::size_t>(level)] =
            std::make_shared<net::RelayClient>(io.get_executor(), std::move(at));
    }
    return out;
}

void Gateway::set_relay(net::RelayConfig relay, std::optional<net::RelayConfig> inbound) {
    // Both next hops share [next_hop_tls]: one level, so copy_tls() answers for either.
    observer_.set_next_hop("next_hop", relay.host, relay.port);
    if (inbound)
        observer_.set_next_hop("inbound_next_hop", inbound->host, inbound->port);
    else
        observer_.forget_next_hop("inbound_next_hop");
    next_hop_level_ = relay.tls;
    relays_ = make_relays(io_, relay);
    inbound_relays_ = inbound ? make_relays(io_, *inbound) : Relays{};
}

void Gateway::set_identity(std::string hostname, std::size_t hopcount_limit) {
    hostname_ = std::move(hostname);
    hopcount_limit_ = hopcount_limit;
}

Status Gateway::start() {
    SEALGATE_TRY(reload());
    store_watch_.read_ok(std::chrono::steady_clock::now());
    observer_.store_polled(true, "");  // read just now; watch_store() polls from here on
    auto log_store = context_.open_store();
    SEALGATE_TRY(log_store);
    log_writer_ = std::make_unique<MailLogWriter>(std::move(*log_store),
                                                  context_.config().log_queue, log_line);
    // The SMTP thread is busy too (both sides, the relay, the log): by default it keeps a core
    // of its own. On 2 cores one worker encrypted up to 11% faster than two and decrypted ~13%
    // slower (bench/RESULTS.md, 15:57).
    std::size_t threads = context_.config().workers;
    if (threads == 0)
        threads = std::max(2u, std::thread::hardware_concurrency()) - 1;
    mime::Limits limits;
    limits.max_header_bytes = context_.config().max_header_bytes;
    limits_ = limits;
    std::vector<Worker> states;
    for (std::size_t i = 0; i < threads; ++i) {
        auto keys = context_.open_keystore();
        SEALGATE_TRY(keys);
        states.emplace_back(std::move(*keys), limits, log_line);
    }
    workers_ = std::make_unique<net::WorkerPool<Worker>>(std::move(states), "sealgate-work");
    return ok();
}

Status Gateway::reload() {
    // The workers bring their keys in line with a new snapshot when they first see it.
    auto snap = context_.snapshot();
    SEALGATE_TRY(snap);
    const bool changed = snapshot_ != nullptr && snapshot_->generation() != (*snap)->generation();
    snapshot_ = std::move(*snap);
    loaded_at_ = std::chrono::steady_clock::now();
    loaded_generation_ = snapshot_->generation();
    observer_.policy_loaded(*snapshot_);
    if (changed)
        log_line("policy reloaded (store generation " + std::to_string(snapshot_->generation()) +
                 ")");
    return ok();
}

asio::awaitable<bool> Gateway::check_expiry_once(const std::string& notify_admin) {
    const std::time_t now = std::time(nullptr);
    auto service = context_.admin("daemon");
    auto check = check_expiry(service, context_.store(), now, !notify_admin.empty());
    if (!check) {
        log_line("expiry check failed: " + check.error().reason);
        co_return false;
    }
    for (const auto& line : check->warnings)
        log_line(line);
    log_line("expiry check: " + std::to_string(check->items.size()) +
             " within 30 days or expired, " + std::to_string(check->warnings.size()) +
             " new warning(s), summary " + (check->mail_due ? "due" : "not due"));
    if (!check->mail_due)
        co_return true;
    // Through our own pipeline and the next hop, like any message: a partner domain's policy
    // applies to the administrator's address too (never clear text to a mandatory domain).
    smtp::Envelope envelope;
    envelope.sender = "";  // the null reverse-path: a notification bounces nowhere
    envelope.recipients.push_back(smtp::Recipient{notify_admin, std::nullopt, std::nullopt});
    const smtp::Reply reply =
        co_await deliver(envelope, summary_mail(check->items, hostname_, notify_admin, now));
    if (!reply.positive()) {
        log_line("expiry summary to <" + notify_admin + "> not delivered: " + reply.summary() +
                 " (tried again in an hour)");
        co_return false;
    }
    if (auto st = summary_sent(context_.store(), now); !st)
        log_line("expiry summary sent, but not remembered: " + st.error().reason);
    log_line("expiry summary sent to <" + notify_admin + "> (" +
             std::to_string(check->items.size()) + " items)");
    co_return true;
}

asio::awaitable<void> Gateway::watch_expiry(std::string notify_admin) {
    asio::steady_timer timer(io_);
    while (!stopping_) {
        const bool done = co_await check_expiry_once(notify_admin);
        timer.expires_after(done ? kExpiryCheckInterval : kExpiryRetryInterval);
        co_await timer.async_wait(asio::use_awaitable);
    }
}

void Gateway::record(LogRecord rec) {
    // The time of the event, not of the batch write.
    if (rec.time == 0)
        rec.time = std::time(nullptr);
    rec.node = node_;
    if (log_writer_ == nullptr || !log_writer_->submit(std::move(rec)))
        log_line("mail log queue full: a record is only in this log");
}

void Gateway::flush_log() {
    if (log_writer_ != nullptr)
        log_writer_->flush();
}

void Gateway::request_reload() {
    asio::post(io_, [this] {
        reload_requested_ = true;
        if (poll_timer_)
            poll_timer_->cancel();  // watch_store() checks at once
    });
}

void Gateway::check_store(bool force) {
    const auto now = std::chrono::steady_clock::now();
    auto gen = context_.store().generation();
    Status st = ok();
    if (!gen)
        st = fail(std::move(gen.error()));
    else if (force || *gen != snapshot_->generation() || now - loaded_at_ > kMaxSnapshotAge)
        st = reload();
    // Keep deciding with the last good snapshot, a consistent policy state, for at most
    // max_stale (app/store_watch.hpp): it logs the outage once, not per poll.
    if (st)
        store_watch_.read_ok(now);
    else
        store_watch_.read_failed(now, std::time(nullptr), st.error().reason);
    const auto ready = store_watch_.ready(now);
    observer_.store_polled(ready.ok, ready.detail);
}

asio::awaitable<void> Gateway::watch_store() {
    poll_timer_ = std::make_unique<asio::steady_timer>(io_);
    while (!stopping_) {
        if (!reload_requested_) {
            poll_timer_->expires_after(kPollInterval);
            std::error_code ec;  // cancelled by request_reload()
            co_await poll_timer_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        if (stopping_)
            break;
        check_store(std::exchange(reload_requested_, false));
    }
}

smtp::Reply Gateway::check_recipient(const smtp::Envelope& envelope,
                                     const smtp::Recipient& recipient) {
    // Past max_stale no decision on the old policy (logged once by the StoreWatch, not here).
    if (auto refused = store_watch_.refusal(std::chrono::steady_clock::now())) {
        metrics::process().count_refusal(metrics::Refusal::rcpt_policy_error);
        return smtp::Reply::from_error(*refused);
    }
    const bool backlog = log_writer_ != nullptr && log_writer_->full();
    auto admission = pipeline::admit(*snapshot_, envelope.sender, recipient.address, backlog);
    auto& counters = metrics::process();
    switch (admission.verdict) {
        case pipeline::Admission::Verdict::accept:
            break;
        case pipeline::Admission::Verdict::backlog:
            counters.count_refusal(metrics::Refusal::rcpt_backlog);
            break;
        case pipeline::Admission::Verdict::error:
            counters.count_refusal(metrics::Refusal::rcpt_policy_error);
            log_line("rcpt=" + recipient.address +
                     (admission.reply.permanent() ? " refused: " : " deferred: ") +
                     admission.reason);
            break;
        case pipeline::Admission::Verdict::refuse: {
            LogRecord rec;
            rec.sender = envelope.sender;
            rec.recipients = {recipient.address};
            rec.direction = admission.direction;
            // A lifecycle problem (expired, revoked, CRL unknown under hard) defers: 451.
            rec.action = admission.reply.permanent() ? CopyAction::rejected : CopyAction::deferred;
            rec.detail = admission.reason;
            const std::string action(to_string(rec.action));
            counters.count_refusal(admission.reply.permanent()
                                       ? metrics::Refusal::rcpt_policy
                                       : metrics::Refusal::rcpt_policy_temporary);
            record(std::move(rec));
            log_line("from=" + kv_value("<" + envelope.sender + ">") +
                     " rcpt=" + kv_value("<" + recipient.address + ">") + " action=" + action +
                     " reason=" + kv_value(admission.reason));
            break;
        }
    }
    return std::move(admission.reply);
}

void Gateway::log_copy(const std::string& queue_id, const std::string& message_id,
                       const smtp::Envelope& envelope, const std::vector<std::string>& recipients,
                       const pipeline::Outcome& outcome, CopyAction action,
                       const std::string& detail, const Relayed* relayed) {
    LogRecord rec;
    rec.queue_id = queue_id;
    rec.message_id = message_id;
    rec.sender = envelope.sender;
    rec.recipients = recipients;
    rec.direction = outcome.direction;
    rec.action = action;
    rec.method = outcome.method;
    rec.keys = outcome.keys;
    rec.algorithm = outcome.algorithm;
    rec.detail = detail;
    rec.signature = outcome.signature;
    if (relayed != nullptr) {
        rec.tls_level = std::string(to_string(relayed->level));
        rec.tls_protocol = relayed->tls.protocol;
        rec.tls_cipher = relayed->tls.cipher;
        rec.tls_peer = relayed->tls.peer_sha256;
        rec.tls_verified = relayed->tls.verified;
    }
    rec.node = node_;  // record() sets it too; the daemon log's line shows it
    // The daemon log's line for this copy is written by deliver() once the reply is known.
    lines_[queue_id].push_back(rec);
    record(std::move(rec));
}

asio::awaitable<smtp::Reply> Gateway::deliver(smtp::Envelope envelope, std::string data) {
    const auto started = std::chrono::steady_clock::now();
    const std::string queue_id = smtp::new_queue_id();
    const std::uint64_t size = data.size();
    auto& counters = metrics::process();
    counters.received_bytes.add(size);
    // However the transaction ends (an exception is answered 451 by the listener), it leaves
    // the in-flight count and its records.
    struct Leave {
        metrics::Registry& m;
        std::map<std::string, std::vector<LogRecord>>& lines;
        const std::string& id;
        ~Leave() {
            m.in_flight.add(-1);
            lines.erase(id);
        }
    };
    counters.in_flight.add(1);
    const Leave leave{counters, lines_, queue_id};
    // GCC 12 coroutines: a named awaitable and assignment (see deliver_message()).
    auto delivering = deliver_message(queue_id, std::move(envelope), std::move(data));
    smtp::Reply reply;
    reply = co_await std::move(delivering);
    const auto took = std::chrono::steady_clock::now() - started;
    counters.transaction_seconds.observe(took);

    const auto found = lines_.find(queue_id);
    const std::vector<LogRecord> none;
    const std::vector<LogRecord>& copies = found == lines_.end() ? none : found->second;
    MessageLine line;
    line.copies = copies.size();
    line.result = reply.code;
    line.status = reply.status;
    line.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
    line.size = size;
    bool relayed = false;
    for (std::size_t i = 0; i < copies.size(); ++i) {
        line.copy = copies[i];
        line.index = i + 1;
        log_event("", message_fields(line, log_format()));
        counters.count_copy(line.copy.direction, line.copy.method, line.copy.action, reply.code);
        relayed = relayed || !line.copy.tls_level.empty();
    }
    if (!reply.positive()) {
        // A refusal's class: the next hop's when a copy reached it, else why none was made.
        counters.count_refusal(relayed                   ? metrics::Refusal::next_hop
                               : reply.status == "5.4.6" ? metrics::Refusal::loop
                               : reply.permanent()       ? metrics::Refusal::message
                                                         : metrics::Refusal::temporary);
    }
    co_return reply;
}

// The decisions are the delivery stage's (pipeline/delivery.hpp); this is the loop around them:
// the workers, the relay clients, the logs.
asio::awaitable<smtp::Reply> Gateway::deliver_message(std::string queue_id, smtp::Envelope envelope,
                                                      std::string data) {
    const std::string message_id = message_id_of(data);
    // Keep the snapshot this message started with, whatever a reload does meanwhile.
    const auto snapshot = snapshot_;

    pipeline::Envelope penv;
    penv.sender = envelope.sender;
    for (const auto& r : envelope.recipients)
        penv.recipients.push_back(r.address);

    // A pipeline error before anything was relayed.
    const auto refuse = [&](const Error& e) {
        // No copy was made: the log names each recipient's direction as the policy sees it.
        for (auto& [direction, recipients] :
             policy::by_direction(*snapshot, envelope.sender, penv.recipients)) {
            pipeline::Outcome none;
            none.direction = direction;
            log_copy(queue_id, message_id, envelope, recipients, none,
                     pipeline::unrelayed_action(e), e.reason);
        }
        return pipeline::unrelayed_reply(e);
    };
    if (const auto looped = pipeline::hop_limit(smtp::count_received(data), hopcount_limit_)) {
        log_copy(queue_id, message_id, envelope, penv.recipients, pipeline::Outcome{},
                 CopyAction::rejected, looped->reason);
        co_return smtp::Reply::from_error(*looped);
    }
    // RCPT may have been answered while the policy was fresh enough: it must be still.
    if (auto refused = store_watch_.refusal(std::chrono::steady_clock::now()))
        co_return refuse(*refused);

    // Stages 1–4, and 5–6 for every copy too, unless together the copies would be large (many
    // Bcc recipients of a big message): then they are rendered one at a time between the relays
    // below, and a copy that fails after others were relayed defers the message (duplicates,
    // never loss). On a worker thread, except a small message's plan, and its copies when they
    // all leave in clear (kInlineBytes).
    Result<Prepared> prepared = Prepared{};
    std::optional<pipeline::Plan> planned;
    const bool small = data.size() <= kInlineBytes;
    if (small) {
        const auto t0 = std::chrono::steady_clock::now();
        pipeline::Options options;
        options.limits = limits_;
        pipeline::Pipeline here(snapshot, no_keys_, options);
        auto plan = here.plan(penv, std::move(data), policy::Mode::automatic);
        if (!plan)
            co_return refuse(plan.error());
        if (plan->in_clear()) {
            prepared = Prepared{std::move(*plan), {}};
            if (auto st = render_all(here, *prepared); !st)
                co_return refuse(st.error());
            metrics::process().crypto_seconds.observe(std::chrono::steady_clock::now() - t0);
        } else {
            planned = std::move(*plan);
        }
    }
    if (!small || planned) {
        auto preparing = workers_->run([&](Worker& worker) {
            return prepare(worker, snapshot, penv, std::move(data), std::move(planned));
        });
        prepared = co_await std::move(preparing);
    }
    if (!prepared)
        co_return refuse(prepared.error());
    pipeline::Plan& plan = prepared->plan;
    const std::size_t ncopies = plan.copies();
    const bool up_front = !prepared->rendered.empty();

    // What each relayed copy's log record needs, kept until fold() has answered.
    struct Pending {
        std::vector<std::string> recipients;
        pipeline::Outcome outcome;
        std::string detail;
        Relayed relayed;
    };
    std::vector<pipeline::CopyResult> results;
    std::vector<Pending> relayed;
    std::optional<Pending> unrendered;
    for (std::size_t i = 0; i < ncopies; ++i) {
        pipeline::Copy copy;
        if (up_front) {
            copy = std::move(prepared->rendered[i]);
        } else {
            auto rendering = workers_->run(
                [&](Worker& worker) { return worker.pipeline(snapshot).render(plan); });
            Result<pipeline::Copy> next = pipeline::Copy{};
            next = co_await std::move(rendering);
            if (!next && i == 0)
                co_return refuse(next.error());
            if (!next) {
                pipeline::Outcome none;
                none.direction =
                    policy::direction(*snapshot, envelope.sender, plan.recipients(i).front());
                unrendered = Pending{plan.recipients(i), none, next.error().reason, {}};
                break;  // fold() answers for the copies never relayed
            }
            copy = std::move(*next);
        }
        const smtp::Envelope out = pipeline::copy_envelope(envelope, copy.recipients);
        const pipeline::CopyTls tls =
            pipeline::copy_tls(*snapshot, next_hop_level_, copy.recipients);
        // After the pipeline: what it encrypted or decrypted goes out byte for byte behind it.
        const std::string received =
            smtp::received_field(out, hostname_, queue_id, std::time(nullptr));
        // A copy, not a reference: a SIGHUP during the send replaces relays_, and the suspended
        // send() still uses its client (it returns the connection to the pool).
        const bool inbound_hop = copy.outcome.direction == Direction::inbound &&
                                 inbound_relays_[static_cast<std::size_t>(tls.level)] != nullptr;
        const std::shared_ptr<net::RelayClient> client =
            (inbound_hop ? inbound_relays_ : relays_)[static_cast<std::size_t>(tls.level)];
        // GCC 12 coroutines: a named awaitable and assignment, not a co_await on a temporary
        // initialising a local (that freed the RelayResult twice; see net/relay_client.cpp).
        auto sending = client->send(out, copy.data, received);
        net::RelayResult result;
        result = co_await std::move(sending);
        results.push_back({result.reply, out.recipients.size(), result.accepted_recipients(),
                           result.tls_refused, tls.domain_asked});
        if (result.accepted())
            metrics::process().relayed_bytes.add(received.size() + copy.data.size());
        else
            metrics::process().count_next_hop_error(result.tls_refused ? metrics::NextHopError::tls
                                                    : result.reply.permanent()
                                                        ? metrics::NextHopError::permanent
                                                        : metrics::NextHopError::temporary);
        // The policy's reason first (why in clear, which keys were skipped), then the next hop.
        std::string detail = copy.outcome.detail.empty() ? "" : copy.outcome.detail + "; ";
        detail += std::string(inbound_hop ? "inbound next hop: " : "next hop: ") +
                  result.reply.summary() +
                  (result.reason.empty() ? "" : " (" + result.reason + ")");
        relayed.push_back({std::move(copy.recipients), std::move(copy.outcome), std::move(detail),
                           Relayed{tls.level, result.tls}});
    }
    const smtp::Reply answer = pipeline::fold(results, ncopies, queue_id);
    // Logged once the answer is known: a copy the next hop refused is rejected when the sender
    // gets the 5xx, deferred when the message is answered 4xx and comes back.
    for (std::size_t i = 0; i < relayed.size(); ++i) {
        auto& r = relayed[i];
        log_copy(queue_id, message_id, envelope, r.recipients, r.outcome,
                 pipeline::logged_action(results[i], r.outcome.action, answer), r.detail,
                 &r.relayed);
    }
    if (unrendered)
        log_copy(queue_id, message_id, envelope, unrendered->recipients, unrendered->outcome,
                 CopyAction::deferred, unrendered->detail);
    co_return answer;
}

}  // namespace sealgate::app
