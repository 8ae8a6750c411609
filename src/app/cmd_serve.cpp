// `sealgate serve`, `sealgate send-test`: the daemon, and a test message through it whose fate
// the mail log tells (admin::Service makes the message and reads the log).
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "app/admin_listener.hpp"
#include "app/change_listener.hpp"
#include "app/cli.hpp"
#include "app/crl_schedule.hpp"
#include "app/discovery_schedule.hpp"
#include "app/gateway.hpp"
#include "app/heap.hpp"
#include "app/host_port.hpp"
#include "app/keys_process.hpp"
#include "app/lifecycle.hpp"
#include "app/metrics_listener.hpp"
#include "app/sd_notify.hpp"
#include "app/store_open.hpp"
#include "core/log.hpp"
#include "metrics/metrics.hpp"
#include "net/self_check.hpp"
#include "net/tls.hpp"
#include "smtp/trace.hpp"

namespace sealgate::app {

namespace {

struct ServeArgs {
    std::string listen;
    std::string next_hop;
    std::string admin_listen;
    std::string metrics_listen;
};

// hop: the next hop to relay to (empty: [smtp] next_hop); TLS as [next_hop_tls] says.
Result<net::RelayConfig> relay_config(const Config& cfg, const std::string& next_hop = {}) {
    auto hop = parse_host_port(next_hop.empty() ? cfg.next_hop : next_hop);
    SEALGATE_TRY(hop);
    net::RelayConfig relay;
    relay.host = hop->host;
    relay.port = hop->port;
    relay.helo_name = cfg.hostname;
    const auto& tls = cfg.next_hop_tls;
    relay.tls = tls.level;
    // Always made: a partner domain may ask for verify whatever the next hop's own level.
    auto context = net::make_client_tls(tls.ca_file);
    SEALGATE_TRY(context);
    relay.tls_context = std::move(*context);
    relay.tls_server_name = tls.server_name;
    relay.tls_fingerprints = tls.fingerprints;
    relay.command_timeout = std::chrono::seconds(cfg.command_timeout_s);
    relay.data_timeout = std::chrono::seconds(cfg.data_timeout_s);
    return relay;
}

// A next hop that is this listener makes every message loop (issue: 200 nested connections
// for one message). Checked with the port actually bound (port 0 picks one). A next hop that
// does not resolve now is not refused: DNS may come back, and relaying defers meanwhile.
Status check_not_self(const net::RelayConfig& relay, const std::string& listen_host,
                      std::uint16_t listen_port) {
    asio::error_code ec;
    const auto listen_addr = asio::ip::make_address(listen_host, ec);
    if (ec)
        return ok();  // a listen name: the listener resolved it itself
    auto hop = net::resolve_now(relay.host, relay.port);
    if (!hop)
        return ok();
    if (net::points_at_self({listen_addr, listen_port}, *hop, net::local_addresses()))
        return fail(Error::usage("next hop " + relay.host + ":" + std::to_string(relay.port) +
                                 " is this gateway's own listen address " + listen_host + ":" +
                                 std::to_string(listen_port) +
                                 ": every message would loop; set [smtp] next_hop to the MTA "
                                 "that takes mail back"));
    return ok();
}

Status serve(Cli& cli, const ServeArgs& args) {
    // Before any thread or child exists: it takes the variables out of the environment, so the
    // key process cannot speak for serve.
    const Notifier notifier = Notifier::from_environment();
    // The key process next, while this process has no thread (app/keys_process.hpp).
    auto serving = open_serving_context(cli.global);
    SEALGATE_TRY(serving);
    auto* ctx = &serving->context;
    Config cfg = (*ctx)->config();
    if (!args.listen.empty())
        cfg.listen = args.listen;
    if (!args.next_hop.empty())
        cfg.next_hop = args.next_hop;
    if (!args.metrics_listen.empty()) {
        cfg.metrics.listen = args.metrics_listen == "off" ? "" : args.metrics_listen;
        cfg.metrics.listen_set = true;
    }
    set_log_format(cfg.log_format);
    metrics::process().set_version(SEALGATE_VERSION);

    auto listen = parse_host_port(cfg.listen);
    SEALGATE_TRY(listen);
    auto relay = relay_config(cfg);
    SEALGATE_TRY(relay);
    std::optional<net::RelayConfig> inbound;
    if (!cfg.inbound_next_hop.empty()) {
        auto made = relay_config(cfg, cfg.inbound_next_hop);
        SEALGATE_TRY(made);
        inbound = std::move(*made);
    }
    auto server_cfg = server_config(cfg, listen->host, listen->port);
    SEALGATE_TRY(server_cfg);

    // One thread runs the io_context (the workers only post results to it): asio's hint for
    // that case skips waking other threads (S/MIME relay +3-8%, bench/RESULTS.md 16:06).
    asio::io_context io(1);
    const net::RelayConfig first_relay = *relay;
    const std::optional<net::RelayConfig> first_inbound = inbound;
    Gateway gateway(io, **ctx, std::move(*relay), cfg.hostname, cfg.hopcount_limit);
    if (const auto supervisor = serving->key_process) {
        // Readiness (app/observe.hpp): the key process is up, or is being restarted.
        gateway.observer().set_key_check([supervisor]() -> Status {
            if (supervisor->up())
                return ok();
            return fail(Error::temp("the key process is down (restarting)"));
        });
    }
    if (inbound)
        gateway.set_relay(first_relay, std::move(inbound));
    SEALGATE_TRY(gateway.start());
    auto server = net::Server::listen(io, std::move(*server_cfg), gateway);
    SEALGATE_TRY(server);
    const std::uint16_t bound_port = (*server)->port();
    SEALGATE_TRY(check_not_self(first_relay, listen->host, bound_port));
    if (first_inbound)
        SEALGATE_TRY(check_not_self(*first_inbound, listen->host, bound_port));
    (*server)->start();
    asio::co_spawn(io, gateway.watch_store(), asio::detached);
    asio::co_spawn(io, gateway.watch_expiry(cfg.notify.admin), asio::detached);
    // Readiness and metrics (app/observe.hpp): probes and samples on this loop, until it stops.
    const auto loop_stopped = [&io] { return io.stopped(); };
    asio::co_spawn(io, gateway.observer().probe_next_hop(loop_stopped), asio::detached);
    asio::co_spawn(io, gateway.observer().sample(**server, loop_stopped), asio::detached);
    // On PostgreSQL another node's change is here at once (app/change_listener.hpp); the poll
    // of watch_store() stays the safety net.
    std::unique_ptr<ChangeListener> changes;
    if (auto where = store_location((*ctx)->config()); where && where->postgresql()) {
        changes = std::make_unique<ChangeListener>(
            where->url, where->password,
            [&gateway](const std::string&) { gateway.request_reload(); }, log_line);
        asio::co_spawn(io, changes->run(loop_stopped), asio::detached);
    }

    // SIGHUP (systemctl reload): the configuration and the TLS certificates (app/lifecycle.hpp).
    Reloader reloader(
        cfg,
        [&cli, &args]() -> Result<Config> {
            auto fresh = resolve_config(cli.global);
            SEALGATE_TRY(fresh);
            // The command line still wins over the file.
            if (!args.listen.empty())
                fresh->listen = args.listen;
            if (!args.next_hop.empty())
                fresh->next_hop = args.next_hop;
            return fresh;
        },
        [&](const Config& next) -> Result<NextHops> {
            auto made = relay_config(next);
            SEALGATE_TRY(made);
            SEALGATE_TRY(check_not_self(*made, listen->host, bound_port));
            NextHops hops{std::move(*made), std::nullopt};
            if (!next.inbound_next_hop.empty()) {
                auto in = relay_config(next, next.inbound_next_hop);
                SEALGATE_TRY(in);
                SEALGATE_TRY(check_not_self(*in, listen->host, bound_port));
                hops.inbound = std::move(*in);
            }
            return hops;
        },
        gateway, **server, notifier);
    // SIGTERM/SIGINT: finish the transactions in flight, then stop. SIGHUP: re-read the config.
    asio::signal_set stop_signals(io, SIGTERM, SIGINT);
    stop_signals.async_wait([&](const std::error_code& ec, int) {
        if (ec)
            return;
        std::fprintf(stderr,
                     "sealgate: stopping: not accepting; finishing the transactions in flight "
                     "(at most %zu s)\n",
                     reloader.running().shutdown_timeout_s);
        notifier.stopping("stopping: finishing the transactions in flight");
        gateway.stop();
        // Parameters, not captures: the closure is gone before the coroutine resumes.
        auto finish = [](net::Server& srv, asio::io_context& loop) -> asio::awaitable<void> {
            co_await srv.stop();
            loop.stop();
        };
        asio::co_spawn(io, finish(**server, io), asio::detached);
    });
    asio::signal_set hup(io, SIGHUP);
    std::function<void(const std::error_code&, int)> on_hup = [&](const std::error_code& ec, int) {
        if (ec)
            return;
        reloader.reload();
        hup.async_wait(on_hup);
    };
    hup.async_wait(on_hup);

    std::printf("sealgate: listening on %s:%u, next hop %s, %zu pipeline thread%s\n",
                listen->host.c_str(), static_cast<unsigned>((*server)->port()),
                cfg.next_hop.c_str(), gateway.workers(), gateway.workers() == 1 ? "" : "s");
    std::fflush(stdout);
    // The admin listener runs on threads of its own; the SMTP path never waits for it. Its line
    // comes after the SMTP listener's, which scripts read first.
    std::unique_ptr<web::Listener> admin;
    const std::string admin_listen =
        args.admin_listen.empty() ? cfg.admin.listen : args.admin_listen;
    if (!admin_listen.empty()) {
        auto started = start_admin_listener(
            **ctx, cfg, admin_listen, listen->host, bound_port,
            [&gateway] { return gateway.loaded_generation(); }, &gateway.observer());
        SEALGATE_TRY(started);
        admin = std::move(*started);
        reloader.watch_admin_listener(*admin);
    }
    // Plain HTTP for Prometheus and health checks; its line after the admin listener's.
    std::unique_ptr<MetricsListener> metrics_http;
    if (!cfg.metrics.listen.empty()) {
        auto started = MetricsListener::start(cfg.metrics.listen, gateway.observer());
        if (!started && cfg.metrics.listen_set)
            return fail(started.error());
        if (!started) {
            log_line(
                "metrics listener not started (set [metrics] listen to choose an address, "
                "or \"\" for none): " +
                started.error().reason);
        } else {
            metrics_http = std::move(*started);
            const auto colon = cfg.metrics.listen.rfind(':');
            std::printf("sealgate: metrics on http://%s:%u/metrics\n",
                        cfg.metrics.listen.substr(0, colon).c_str(),
                        static_cast<unsigned>(metrics_http->port()));
            std::fflush(stdout);
        }
    }
    // The partner certificates' CRLs, fetched at start and when due (app/crl_schedule.hpp).
    auto crls = CrlSchedule::start(**ctx);
    SEALGATE_TRY(crls);
    // Partner domains with discovery on, looked up again when their TTL ran out
    // (app/discovery_schedule.hpp); a worker of its own, never the SMTP path.
    auto discovery_store = (*ctx)->open_store();
    SEALGATE_TRY(discovery_store);
    auto discovery_keys = (*ctx)->open_keystore();
    SEALGATE_TRY(discovery_keys);
    auto discovery =
        DiscoverySchedule::start(std::move(*discovery_store), std::move(*discovery_keys),
                                 (*ctx)->actor("daemon:discovery"), discovery_lookup(cfg));
    // Every listener is bound: the service manager may start what depends on us.
    notifier.ready("listening on " + listen->host + ":" + std::to_string(bound_port) +
                   ", next hop " + cfg.next_hop);
    asio::co_spawn(io, feed_watchdog(io, notifier), asio::detached);
    io.run();
    // Stopping is decided: a further SIGTERM (systemd's, an impatient administrator's) must not
    // kill the teardown below with the default action once the signal sets are gone (asio
    // restores it when the last set is cleared).
    stop_signals.clear();
    hup.clear();
    std::signal(SIGTERM, SIG_IGN);
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGHUP, SIG_IGN);
    crls->reset();
    discovery.reset();
    if (metrics_http)
        metrics_http->stop();
    if (admin)
        admin->stop();
    std::fprintf(stderr, "sealgate: stopped\n");
    return ok();
}

struct SendTestArgs {
    std::string from;
    std::string to;
    std::string server = "127.0.0.1:10025";
    int wait_seconds = 10;
};

Status send_test(Cli& cli, const SendTestArgs& args) {
    auto hp = parse_host_port(args.server);
    SEALGATE_TRY(hp);
    // The message from the admin service, and what the gateway did with it from its mail log
    // (the same store); sending it is ours, over SMTP like any client.
    auto ctx = cli.open();
    SEALGATE_TRY(ctx);
    auto service = (*ctx)->admin(cli_actor());
    auto test = service.make_test_message(args.from, args.to, std::time(nullptr));
    SEALGATE_TRY(test);
    const char* id = test->message_id.c_str();
    const std::string& message = test->text;

    net::RelayConfig relay;
    relay.host = hp->host;
    relay.port = hp->port;
    relay.tls = TlsLevel::none;
    relay.connect_timeout = std::chrono::seconds(10);
    asio::io_context io;
    net::RelayClient client(io.get_executor(), relay);
    smtp::Envelope env;
    env.sender = args.from;
    env.recipients.push_back(smtp::Recipient{args.to, std::nullopt, std::nullopt});
    std::optional<net::RelayResult> result;
    // What the coroutine uses comes in as parameters: a capturing lambda's closure is a
    // temporary that is gone before io.run() first resumes the coroutine.
    auto run = [](net::RelayClient& c, const smtp::Envelope& e, const std::string& m,
                  std::optional<net::RelayResult>& out) -> asio::awaitable<void> {
        net::RelayResult r;
        r = co_await c.send(e, m);
        out = std::move(r);
        co_await c.close_idle();
    };
    asio::co_spawn(io, run(client, env, message, result), asio::detached);
    io.run();
    if (!result)
        return fail(Error::temp("send-test: no result"));
    const smtp::Reply& reply = result->reply;
    if (!result->accepted()) {
        // The exit status tells a script what a sending MTA would do: 1 for a permanent
        // refusal (it bounces), 75 (EX_TEMPFAIL) only when it would try again.
        const bool permanent = reply.permanent();
        std::printf("refused <%s> by %s: %s (%s)\n", id, args.server.c_str(),
                    reply.summary().c_str(),
                    permanent ? "permanent: a sender would bounce it"
                              : "temporary: a sender would try again");
        const std::string why = "the gateway refused the test message: " + reply.summary();
        if (permanent)
            return fail(Error::perm(reply.code, reply.status, "refused", why));
        return fail(Error::temp(why));
    }
    std::printf("sent <%s> to %s: %s\n", id, args.server.c_str(), reply.summary().c_str());

    admin::LogSearch search;
    search.message_id = test->message_id;
    search.limit = 20;
    for (int i = 0; i < args.wait_seconds * 10; ++i) {
        auto page = service.search_log(search);
        SEALGATE_TRY(page);
        if (!page->entries.empty()) {
            // Oldest first, as the copies were made.
            for (auto r = page->entries.rbegin(); r != page->entries.rend(); ++r)
                std::printf("gateway: %s %s%s%s -> %s (%s)\n",
                            std::string(to_string(r->direction)).c_str(),
                            std::string(to_string(r->action)).c_str(),
                            r->method.empty() ? "" : (" " + r->method).c_str(),
                            r->keys.empty() ? "" : (" " + r->keys).c_str(),
                            join(r->recipients, ",").c_str(), r->detail.c_str());
            return ok();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::printf("gateway: no mail log entry found (is it using this store?)\n");
    return ok();
}

}  // namespace

void add_serve_commands(CLI::App& app, Cli& cli) {
    auto* srv = app.add_subcommand("serve", "Run the SMTP content filter");
    auto sargs = std::make_shared<ServeArgs>();
    srv->add_option("--listen", sargs->listen, "HOST:PORT to listen on (default 127.0.0.1:10025)");
    srv->add_option("--next-hop", sargs->next_hop,
                    "HOST:PORT to relay to (default 127.0.0.1:10026)");
    srv->add_option("--admin-listen", sargs->admin_listen,
                    "HOST:PORT of the admin listener (HTTPS: REST API and web UI)");
    srv->add_option("--metrics-listen", sargs->metrics_listen,
                    "HOST:PORT for /metrics, /healthz, /readyz over plain HTTP (off: none)");
    srv->callback([&cli, sargs] {
        cli.quiet_libraries = false;  // the daemon's stderr is its log
        cli.action = [&cli, sargs] {
            keep_heap_for_daemon();
            return serve(cli, *sargs);
        };
    });

    auto* st = app.add_subcommand("send-test", "Send a test message through the gateway");
    auto targs = std::make_shared<SendTestArgs>();
    st->add_option("--from", targs->from)->required();
    st->add_option("--to", targs->to)->required();
    st->add_option("--server", targs->server, "Gateway HOST:PORT (default 127.0.0.1:10025)");
    st->add_option("--wait", targs->wait_seconds, "Seconds to wait for the log entry");
    cli.on(st, [&cli, targs] { return send_test(cli, *targs); });
}

}  // namespace sealgate::app
