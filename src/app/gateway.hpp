// app/gateway.hpp — the daemon's MessageHandler: policy at RCPT time, the pipeline at the end of
// DATA, every copy relayed to the next hop, the mail log.
//
// Contract (docs/architecture.md, the mail path):
//   - Every decision of the transaction is the delivery stage's (pipeline/delivery.hpp):
//     check_recipient() answers what admit() decides (550 5.7.1 for a mandatory-encryption
//     recipient without a usable key, the detail in the log; 451 4.3.0 when the policy cannot be
//     decided or the mail log is backlogged; otherwise 250); deliver() refuses a looping message
//     (hop_limit(), before anything else), relays each copy with the envelope and at the TLS
//     level that copy_envelope() and copy_tls() give, and answers what fold() makes of the
//     copies' results: 250 only after the next hop accepted every copy, never the next hop's
//     text. This class runs the loop around them: the workers, the relay clients, the logs.
//   - Each copy is relayed with our Received: field in front (smtp/trace.hpp), added after the
//     pipeline, so that what was encrypted or decrypted is exactly what the pipeline produced.
//   - Each copy goes to the relay client of its TLS level (one per level), of the next hop of
//     its direction: an inbound copy (recipients in local domains) to the inbound next hop when
//     one is set ([smtp] inbound_next_hop), every other copy to the next hop. A level that cannot
//     be met is our refusal, nothing sent (net/relay_client.hpp). The daemon log line and the
//     mail log record of every copy say how it went (level, protocol, cipher, peer
//     certificate).
//   - Expiry (app/expiry_watch.hpp): watch_expiry() checks at start and then daily, logs a
//     warning per certificate or key at each threshold and, with [notify] admin, delivers one
//     summary mail a day like any message (deliver(): the policy, the pipeline, the next hop).
//   - The policy snapshot and the keys are reloaded when the store's generation changes (polled
//     every second, so an administrator's change applies within 2 s; at once on request_reload(),
//     which a listener for the store's change notices calls) and at least every minute.
//   - While the store cannot be read, decisions go on with the snapshot in use for at most
//     [store] max_stale since the last good read; past it every new recipient and message gets
//     451 4.3.0 and /readyz says not ready, until a reload succeeds (app/store_watch.hpp). An
//     outage is logged once when it starts, once past max_stale and once when it ends.
//   - The mail log is written by a thread of its own, on its own store connection, in batches
//     (app/log_writer.hpp): a locked or unwritable store delays the log, never the SMTP thread.
//     A record reaches the store ~100 ms after the reply to the client, or once the store can
//     be written again; when [limits] log_queue records are waiting, new recipients get
//     451 4.3.0 until the log catches up. The Gateway's destructor writes what is waiting.
//   - The pipeline (parse, policy, encryption, decryption) runs on a pool of worker threads
//     (config `workers`, default one per CPU core beyond the first), each with its own keys
//     (app/worker.hpp); the SMTP sides, the relay and the mail log stay on the io_context's thread,
//     and so does every member of this class. A message up to 64 KiB is planned on that thread,
//     and passed there too when every copy leaves in clear (pipeline::Plan::in_clear(), on
//     keystore::NoKeys); the rest of its work goes to a worker.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "app/context.hpp"
#include "app/log_writer.hpp"
#include "app/observe.hpp"
#include "app/store_watch.hpp"
#include "app/worker.hpp"
#include "keystore/no_keys.hpp"
#include "net/relay_client.hpp"
#include "net/server.hpp"
#include "net/worker_pool.hpp"
#include "pipeline/pipeline.hpp"

namespace sealgate::app {

class Gateway final : public net::MessageHandler {
  public:
    // relay.tls is the next hop's own level; hostname names us in Received: fields.
    Gateway(asio::io_context& io, Context& context, net::RelayConfig relay, std::string hostname,
            std::size_t hopcount_limit);
    // Writes the buffered mail log records.
    ~Gateway() override;
    Gateway(const Gateway&) = delete;
    Gateway& operator=(const Gateway&) = delete;

    // Load the first snapshot and start the worker threads; an error when the store cannot be
    // read or the master key cannot be loaded.
    Status start();
    // Flush the mail log every 100 ms and poll the store generation every second, until
    // stop() is called.
    asio::awaitable<void> watch_store();
    // The expiry check at start and then daily, until stop(); notify_admin: [notify] admin
    // (empty: the log only).
    asio::awaitable<void> watch_expiry(std::string notify_admin);
    // Reload the policy now, not at the next poll (any thread): a notice that the store changed
    // (LISTEN/NOTIFY on PostgreSQL) or a listener that reconnected (notices were lost).
    void request_reload();
    // Wait until the mail log records so far are written (or failed once).
    void flush_log();
    // Also turns /readyz to 503 ("stopping"), so that a balancer drains this gateway.
    void stop() {
        stopping_ = true;
        observer_.set_stopping();
    }
    // Pipeline threads (after start()).
    std::size_t workers() const { return workers_ ? workers_->size() : 0; }
    // SIGHUP: new next hops from a re-read configuration (inbound: [smtp] inbound_next_hop, for
    // the copies to local domains; none: they go to `relay` too). A copy in flight finishes with
    // the client it started with.
    void set_relay(net::RelayConfig relay, std::optional<net::RelayConfig> inbound = std::nullopt);
    // SIGHUP: the name in our Received: fields and the hop count limit, for the next message.
    void set_identity(std::string hostname, std::size_t hopcount_limit);
    // The store generation of the policy in use (any thread): the admin listener's test message
    // waits until the gateway has loaded the settings it was sent to try.
    std::uint64_t loaded_generation() const { return loaded_generation_.load(); }

    // Readiness and metrics (app/observe.hpp): the store poll, the next hop, the policy's
    // expiry dates are reported to it; the listeners answer from it.
    Observer& observer() { return observer_; }

    smtp::Reply check_recipient(const smtp::Envelope& envelope,
                                const smtp::Recipient& recipient) override;
    asio::awaitable<smtp::Reply> deliver(smtp::Envelope envelope, std::string data) override;

  private:
    // deliver() is this with the per-message log lines and metrics around it (app/observe.hpp,
    // app/message_line.hpp).
    asio::awaitable<smtp::Reply> deliver_message(std::string queue_id, smtp::Envelope envelope,
                                                 std::string data);
    Status reload();
    // Poll the generation, reload when it changed (or `force`, or the snapshot is old), and
    // tell the StoreWatch and the observer how the store read went.
    void check_store(bool force);
    // One expiry check; false when the summary mail was due and could not be delivered.
    asio::awaitable<bool> check_expiry_once(const std::string& notify_admin);
    void record(LogRecord rec);
    // `relayed`: the copy was handed to the next hop at that level, over that session.
    struct Relayed {
        TlsLevel level = TlsLevel::none;
        net::TlsSession tls;
    };
    void log_copy(const std::string& queue_id, const std::string& message_id,
                  const smtp::Envelope& envelope, const std::vector<std::string>& recipients,
                  const pipeline::Outcome& outcome, CopyAction action, const std::string& detail,
                  const Relayed* relayed = nullptr);

    asio::io_context& io_;
    Context& context_;
    // One client per TLS level, indexed by TlsLevel; those below the next hop's own level are
    // null. Shared: set_relay() (SIGHUP) replaces them while copies may still be in flight; each
    // deliver() holds the client it sends with until that send has finished.
    using Relays = std::array<std::shared_ptr<net::RelayClient>, 4>;
    static Relays make_relays(asio::io_context& io, const net::RelayConfig& relay);
    Relays relays_;
    Relays inbound_relays_;  // all null without an inbound next hop
    TlsLevel next_hop_level_ = TlsLevel::may;
    std::string hostname_;
    std::string node_;  // [node] name: every mail log record and per-message line carries it
    std::size_t hopcount_limit_;
    std::shared_ptr<const policy::Snapshot> snapshot_;
    mime::Limits limits_;       // the pipeline's, set by start()
    keystore::NoKeys no_keys_;  // this thread's pipeline: a small message that needs no key
    std::chrono::steady_clock::time_point loaded_at_;
    std::atomic<std::uint64_t> loaded_generation_{0};
    std::unique_ptr<MailLogWriter> log_writer_;
    StoreWatch store_watch_;
    bool reload_requested_ = false;
    std::unique_ptr<asio::steady_timer> poll_timer_;  // watch_store()'s, so that a request wakes it
    bool stopping_ = false;
    Observer observer_;
    // Per transaction in deliver(): its copies' records, logged once the reply is known.
    std::map<std::string, std::vector<LogRecord>> lines_;
    // Last: destroyed first, joining the threads (serve has finished the transactions by then).
    std::unique_ptr<net::WorkerPool<Worker>> workers_;
};

}  // namespace sealgate::app
