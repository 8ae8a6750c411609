// keyproc/client.cpp — Supervisor (spawn, watch, restart) and Client (keystore::Keys over a
// channel). Contracts in client.hpp.
#include "keyproc/client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "keyproc/protocol.hpp"

extern char** environ;

namespace sealgate::keyproc {

namespace {

constexpr int child_control_fd = 3;
constexpr auto ready_timeout = std::chrono::seconds(20);
constexpr auto min_backoff = std::chrono::milliseconds(100);
constexpr auto max_backoff = std::chrono::milliseconds(2000);
// A key process that ran this long before it died is not crash-looping: restart at once.
constexpr auto stable_run = std::chrono::seconds(10);

Error unavailable(const std::string& reason) {
    return Error::temp("4.7.0", "Temporary local problem, try again later",
                       "key process: " + reason);
}

std::string describe(int status) {
    if (WIFEXITED(status))
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return "killed by signal " + std::to_string(WTERMSIG(status));
    return "stopped";
}

}  // namespace

class Client final : public keystore::Keys {
  public:
    explicit Client(std::shared_ptr<Supervisor> supervisor) : supervisor_(std::move(supervisor)) {}

    Result<std::optional<keystore::SmimeDecrypted>> smime_decrypt(std::string ber) override {
        std::vector<std::string> f;
        f.push_back(std::move(ber));
        auto r = call(Op::smime_decrypt, f);
        SEALGATE_TRY(r);
        if (r->empty())
            return std::optional<keystore::SmimeDecrypted>{};
        if (r->size() != 3)
            return fail(unreadable());
        return std::optional<keystore::SmimeDecrypted>{
            keystore::SmimeDecrypted{std::move((*r)[0]), std::move((*r)[1]), std::move((*r)[2])}};
    }

    Result<std::optional<openpgp::Decrypted>> pgp_decrypt(
        std::string_view message, std::span<const std::string> verify_keys) override {
        std::vector<std::string> f;
        f.reserve(1 + verify_keys.size());
        f.emplace_back(message);
        f.insert(f.end(), verify_keys.begin(), verify_keys.end());
        auto r = call(Op::pgp_decrypt, f);
        SEALGATE_TRY(r);
        if (r->empty())
            return std::optional<openpgp::Decrypted>{};
        if (r->size() < 4 || (r->size() - 4) % 5 != 0)
            return fail(unreadable());
        openpgp::Decrypted d;
        d.plaintext = std::move((*r)[0]);
        d.key = std::move((*r)[1]);
        d.subkey = std::move((*r)[2]);
        d.algorithm = std::move((*r)[3]);
        for (std::size_t i = 4; i < r->size(); i += 5) {
            openpgp::SignatureInfo s;
            s.valid = (*r)[i] == "1";
            s.reason = std::move((*r)[i + 1]);
            s.key = std::move((*r)[i + 2]);
            s.signing_key = std::move((*r)[i + 3]);
            s.created = static_cast<std::time_t>(std::strtoll((*r)[i + 4].c_str(), nullptr, 10));
            d.signatures.push_back(std::move(s));
        }
        return std::optional<openpgp::Decrypted>{std::move(d)};
    }

    Result<std::string> smime_sign_entity(std::string_view cert_sha256, std::string_view entity,
                                          const std::vector<crypto::Certificate>& chain,
                                          crypto::CmsProfile profile) override {
        std::vector<std::string> f{std::string(cert_sha256), std::string(entity),
                                   profile == crypto::CmsProfile::modern ? "modern" : "compat"};
        for (const auto& c : chain)
            f.push_back(c.der());
        return one(Op::smime_sign_entity, f);
    }

    Result<std::string> pgp_sign_entity(std::string_view fingerprint,
                                        std::string_view entity) override {
        return one(Op::pgp_sign_entity, {std::string(fingerprint), std::string(entity)});
    }

    Status refresh() override {
        auto r = call(Op::refresh, {});
        SEALGATE_TRY(r);
        return ok();
    }

    Status add_smime_key(const crypto::Certificate& cert, const crypto::PrivateKey& key) override {
        std::vector<std::string> f{cert.der(), key.to_pkcs8_der()};
        auto r = call(Op::add_smime_key, f);
        std::fill(f[1].begin(), f[1].end(), '\0');
        SEALGATE_TRY(r);
        return ok();
    }

    Result<crypto::Certificate> renew_smime(const crypto::Certificate& predecessor, bool reuse_key,
                                            int days) override {
        auto der =
            one(Op::renew_smime, {predecessor.der(), reuse_key ? "1" : "0", std::to_string(days)});
        SEALGATE_TRY(der);
        return crypto::Certificate::from_der(*der);
    }

    Result<std::string> export_smime_pkcs12(const crypto::Certificate& cert,
                                            const std::vector<crypto::Certificate>& chain,
                                            std::string_view password) override {
        std::vector<std::string> f{cert.der(), std::string(password)};
        for (const auto& c : chain)
            f.push_back(c.der());
        return one(Op::export_smime_pkcs12, f);
    }

    Result<std::string> seal_pgp_secret(std::string_view fingerprint,
                                        std::string_view secret) override {
        return one(Op::seal_pgp_secret, {std::string(fingerprint), std::string(secret)});
    }
    Result<std::string> unseal_pgp_secret(std::string_view fingerprint,
                                          std::string_view sealed) override {
        return one(Op::unseal_pgp_secret, {std::string(fingerprint), std::string(sealed)});
    }
    Result<std::string> seal_secret(std::string_view name, std::string_view secret) override {
        return one(Op::seal_secret, {std::string(name), std::string(secret)});
    }
    Result<std::string> unseal_secret(std::string_view name, std::string_view sealed) override {
        return one(Op::unseal_secret, {std::string(name), std::string(sealed)});
    }
    Result<std::string> smime_sign(std::string_view cert_sha256, std::string_view data) override {
        return one(Op::smime_sign, {std::string(cert_sha256), std::string(data)});
    }
    Result<std::string> pgp_sign(std::string_view fingerprint, std::string_view data) override {
        return one(Op::pgp_sign, {std::string(fingerprint), std::string(data)});
    }

    Result<keystore::PgpSecretChanged> change_pgp_secret(
        std::string_view fingerprint, std::string_view sealed,
        const keystore::PgpSecretChange& change) override {
        using Kind = keystore::PgpSecretChange::Kind;
        const char* kind = change.kind == Kind::add_subkey   ? "add_subkey"
                           : change.kind == Kind::successor  ? "successor"
                           : change.kind == Kind::set_expiry ? "set_expiry"
                                                             : "revoke";
        const char* code = change.code == openpgp::RevocationCode::superseded    ? "superseded"
                           : change.code == openpgp::RevocationCode::compromised ? "compromised"
                                                                                 : "retired";
        auto r = call(Op::change_pgp_secret, {std::string(fingerprint), std::string(sealed), kind,
                                              std::to_string(change.expires_seconds), code});
        SEALGATE_TRY(r);
        if (r->size() != 4)
            return fail(unreadable());
        keystore::PgpSecretChanged out;
        out.fingerprint = std::move((*r)[0]);
        out.public_key = std::move((*r)[1]);
        out.sealed_secret = std::move((*r)[2]);
        out.encryption_key = std::move((*r)[3]);
        return out;
    }

  private:
    static Error unreadable() { return unavailable("reply of an unexpected shape"); }

    Result<std::string> one(Op op, const std::vector<std::string>& fields) {
        auto r = call(op, fields);
        SEALGATE_TRY(r);
        if (r->size() != 1)
            return fail(unreadable());
        return std::move(r->front());
    }

    // One request, one reply. A channel from before the key process's last restart is dropped
    // first (it is dead); a channel that fails is closed, the request fails with Error::temp.
    Result<std::vector<std::string>> call(Op op, const std::vector<std::string>& fields) {
        const std::uint64_t generation = supervisor_->generation();
        if (channel_ && channel_generation_ != generation)
            channel_.reset();
        if (!channel_) {
            auto opened = supervisor_->open_channel();
            SEALGATE_TRY(opened);
            channel_ = std::move(*opened);
            channel_generation_ = generation;
        }
        const auto& options = supervisor_->options();
        const auto start = std::chrono::steady_clock::now();
        auto report = [&](bool answered) {
            if (options.on_round_trip)
                options.on_round_trip(to_string(op), std::chrono::steady_clock::now() - start,
                                      answered);
        };
        auto sent = write_frame(channel_.get(), encode_request(op, fields));
        if (!sent) {
            channel_.reset();
            report(false);
            return fail(std::move(sent.error()));
        }
        auto frame = read_frame(channel_.get(), options.max_body, false,
                                static_cast<int>(options.reply_timeout.count()));
        if (!frame) {
            channel_.reset();
            report(false);
            return fail(unavailable(std::string(to_string(op)) + ": " + frame.error().reason));
        }
        report(true);
        return decode_reply(frame->header, frame->body);
    }

    std::shared_ptr<Supervisor> supervisor_;
    Fd channel_;
    std::uint64_t channel_generation_ = 0;
};

Supervisor::Supervisor(SupervisorOptions options) : options_(std::move(options)) {}

Result<std::shared_ptr<Supervisor>> Supervisor::start(SupervisorOptions options) {
    std::shared_ptr<Supervisor> s(new Supervisor(std::move(options)));
    SEALGATE_TRY(s->spawn());
    s->watcher_ = std::thread([raw = s.get()] { raw->watch(); });
    return s;
}

Supervisor::~Supervisor() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        up_ = false;
        control_.reset();  // the key process exits at EOF
        if (const pid_t p = pid_.load(); p > 0)
            ::kill(p, SIGTERM);
    }
    stop_cv_.notify_all();
    if (watcher_.joinable())
        watcher_.join();
}

void Supervisor::log(const std::string& line) const {
    if (options_.log) {
        options_.log(line);
    } else {
        std::fprintf(stderr, "sealgate: %s\n", line.c_str());
        std::fflush(stderr);
    }
}

std::unique_ptr<keystore::Keys> Supervisor::client() {
    return std::make_unique<Client>(shared_from_this());
}

Status Supervisor::spawn() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return fail(Error::temp(std::string("key process: socketpair: ") + std::strerror(errno)));
    Fd ours(sv[0]);
    // Above the descriptors the child dup2()s onto, so that dup2 always copies (and so clears
    // close-on-exec) rather than finding the descriptor in place.
    Fd theirs(::fcntl(sv[1], F_DUPFD_CLOEXEC, 10));
    ::close(sv[1]);
    if (!theirs)
        return fail(Error::temp(std::string("key process: fcntl: ") + std::strerror(errno)));

    std::vector<std::string> args{"sealgate"};
    args.insert(args.end(), options_.args.begin(), options_.args.end());
    args.push_back("--control-fd");
    args.push_back(std::to_string(child_control_fd));
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, theirs.get(), child_control_fd);
    // The serve process's signal handling (asio's signal_set blocks nothing, but be explicit):
    // the key process starts with default dispositions and an empty mask.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigdefault(&attr, &all);
    // A process group of its own: a Ctrl-C at the terminal (SIGINT to the foreground group)
    // stops serve gracefully, and the key process must go on answering until serve is done.
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    pid_t child = 0;
    const int rc = ::posix_spawn(&child, "/proc/self/exe", &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    theirs.reset();
    if (rc != 0)
        return fail(Error::temp(std::string("key process: posix_spawn: ") + std::strerror(rc)));

    // Its first message: "R" (ready) or "E<reason>".
    auto fail_start = [&](const std::string& why) {
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        return fail(Error::temp("key process did not start: " + why));
    };
    pollfd p{ours.get(), POLLIN, 0};
    const int ready_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(ready_timeout).count());
    int r = 0;
    while ((r = ::poll(&p, 1, ready_ms)) < 0 && errno == EINTR) {
    }
    if (r <= 0)
        return fail_start("no ready message");
    char buf[1024];
    const ssize_t n = ::recv(ours.get(), buf, sizeof(buf), 0);
    if (n <= 0)
        return fail_start("it exited before it was ready");
    const std::string msg(buf, static_cast<std::size_t>(n));
    if (msg != "R") {
        // E<kind>:<reason>: the key process's own error (a master key or store it cannot use),
        // reported as it is, as `serve` reported it when it loaded the keys itself.
        const auto colon = msg.find(':');
        int kind = -1;
        if (msg.size() > 2 && msg[0] == 'E' && colon != std::string::npos)
            kind = std::atoi(msg.substr(1, colon - 1).c_str());
        if (kind < 0 || kind > static_cast<int>(ErrorKind::internal))
            return fail_start("unexpected message");
        (void)fail_start("");
        Error e = Error::temp(msg.substr(colon + 1));
        e.kind = static_cast<ErrorKind>(kind);
        return fail(std::move(e));
    }

    std::lock_guard lock(mutex_);
    control_ = std::move(ours);
    pid_ = child;
    generation_.fetch_add(1);
    up_ = true;
    if (stopping_)
        ::kill(child, SIGTERM);  // the destructor ran while it started: the watcher reaps it
    return ok();
}

void Supervisor::watch() {
    auto backoff = std::chrono::milliseconds(0);
    auto started = std::chrono::steady_clock::now();
    for (;;) {
        const pid_t child = pid_.load();
        int status = 0;
        if (child > 0) {
            while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
            }
        }
        {
            std::lock_guard lock(mutex_);
            up_ = false;
            control_.reset();
            pid_ = 0;
            if (stopping_)
                return;
        }
        const auto ran = std::chrono::steady_clock::now() - started;
        backoff = ran >= stable_run ? std::chrono::milliseconds(0)
                                    : std::min(max_backoff, std::max(min_backoff, backoff * 2));
        log("key process (pid " + std::to_string(child) + ") " + describe(status) +
            "; mail that needs a private key gets 451 until it is back; restarting in " +
            std::to_string(backoff.count()) + " ms");
        for (;;) {
            {
                std::unique_lock lock(mutex_);
                if (stop_cv_.wait_for(lock, backoff, [this] { return stopping_.load(); }))
                    return;
            }
            started = std::chrono::steady_clock::now();
            auto spawned = spawn();
            if (spawned) {
                log("key process restarted (pid " + std::to_string(pid_.load()) + ")");
                break;
            }
            backoff = std::min(max_backoff, std::max(min_backoff, backoff * 2));
            log(spawned.error().reason + "; retrying in " + std::to_string(backoff.count()) +
                " ms");
        }
    }
}

Result<Fd> Supervisor::open_channel() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return fail(unavailable(std::string("socketpair: ") + std::strerror(errno)));
    Fd ours(sv[0]);
    Fd theirs(sv[1]);
    std::lock_guard lock(mutex_);
    if (!up_ || !control_)
        return fail(unavailable("not running (restarting)"));
    SEALGATE_TRY(send_fd(control_.get(), theirs.get()));
    return ours;
}

}  // namespace sealgate::keyproc
