// keyproc/server.cpp — the key process's side: start-up under the sandbox, the control socket's
// channels, one request after the other per channel. Contract in server.hpp.
#include "keyproc/server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "keyproc/channel.hpp"
#include "keyproc/protocol.hpp"
#include "keyproc/sandbox.hpp"

namespace sealgate::keyproc {

namespace {

void log_line(const std::string& line) {
    std::fprintf(stderr, "sealgate: key process: %s\n", line.c_str());
    std::fflush(stderr);
}

Result<std::vector<crypto::Certificate>> certificates(const std::vector<std::string>& f,
                                                      std::size_t from) {
    std::vector<crypto::Certificate> out;
    for (std::size_t i = from; i < f.size(); ++i) {
        auto c = crypto::Certificate::from_der(f[i]);
        SEALGATE_TRY(c);
        out.push_back(std::move(*c));
    }
    return out;
}

using Fields = std::vector<std::string>;

Result<Fields> single(Result<std::string> r) {
    SEALGATE_TRY(r);
    return Fields{std::move(*r)};
}

Result<Fields> none(Status s) {
    SEALGATE_TRY(s);
    return Fields{};
}

// The private keys never leave the key process, whoever asks (docs/keys-process.md): a serve
// process taken over must not be able to collect them. Their exports are the CLI's, on the
// gateway host, with the master key file.
Error kept_here(const std::string& what, const std::string& command) {
    log_line("refused " + what + ": private keys do not leave the key process");
    return Error::unusable(what +
                           " is not handed out by the running gateway: export it on the "
                           "gateway host with `" +
                           command + "`");
}

// change_pgp_secret's kind, expiry and revocation code fields.
Result<keystore::PgpSecretChange> pgp_change(const std::string& kind, const std::string& expires,
                                             const std::string& code) {
    using Kind = keystore::PgpSecretChange::Kind;
    keystore::PgpSecretChange change;
    if (kind == "add_subkey")
        change.kind = Kind::add_subkey;
    else if (kind == "successor")
        change.kind = Kind::successor;
    else if (kind == "set_expiry")
        change.kind = Kind::set_expiry;
    else if (kind == "revoke")
        change.kind = Kind::revoke;
    else
        return fail(Error::bad_input("key process: unknown OpenPGP key change " + kind));
    if (expires.empty() || expires.size() > 10 ||
        expires.find_first_not_of("0123456789") != std::string::npos ||
        std::stoull(expires) > 0xffffffffULL)
        return fail(Error::bad_input("key process: bad expiry " + expires));
    change.expires_seconds = static_cast<std::uint32_t>(std::stoull(expires));
    if (code == "superseded")
        change.code = openpgp::RevocationCode::superseded;
    else if (code == "compromised")
        change.code = openpgp::RevocationCode::compromised;
    else if (code == "retired")
        change.code = openpgp::RevocationCode::retired;
    else
        return fail(Error::bad_input("key process: unknown revocation code " + code));
    return change;
}

// One request against the keys; the reply's fields (protocol.hpp lists them per op).
Result<Fields> dispatch(keystore::Keys& keys, Request& rq) {
    auto& f = rq.fields;
    switch (rq.op) {
        case Op::refresh:
            return none(keys.refresh());
        case Op::smime_decrypt: {
            auto r = keys.smime_decrypt(std::move(f[0]));
            SEALGATE_TRY(r);
            if (!*r)
                return Fields{};
            return Fields{std::move((*r)->entity), std::move((*r)->cert_sha256),
                          std::move((*r)->algorithm)};
        }
        case Op::pgp_decrypt: {
            const std::span<const std::string> verify(f.data() + 1, f.size() - 1);
            auto r = keys.pgp_decrypt(f[0], verify);
            SEALGATE_TRY(r);
            if (!*r)
                return Fields{};
            auto& d = **r;
            Fields out{std::move(d.plaintext), std::move(d.key), std::move(d.subkey),
                       std::move(d.algorithm)};
            for (auto& s : d.signatures) {
                out.push_back(s.valid ? "1" : "0");
                out.push_back(std::move(s.reason));
                out.push_back(std::move(s.key));
                out.push_back(std::move(s.signing_key));
                out.push_back(std::to_string(static_cast<long long>(s.created)));
            }
            return out;
        }
        case Op::smime_sign_entity: {
            if (f[2] != "compat" && f[2] != "modern")
                return fail(Error::bad_input("key process: unknown CMS profile " + f[2]));
            auto chain = certificates(f, 3);
            SEALGATE_TRY(chain);
            return single(keys.smime_sign_entity(
                f[0], f[1], *chain,
                f[2] == "modern" ? crypto::CmsProfile::modern : crypto::CmsProfile::compat));
        }
        case Op::pgp_sign_entity:
            return single(keys.pgp_sign_entity(f[0], f[1]));
        case Op::add_smime_key: {
            auto cert = crypto::Certificate::from_der(f[0]);
            SEALGATE_TRY(cert);
            auto key = crypto::PrivateKey::from_pkcs8_der(f[1]);
            std::fill(f[1].begin(), f[1].end(), '\0');
            SEALGATE_TRY(key);
            return none(keys.add_smime_key(*cert, *key));
        }
        case Op::renew_smime: {
            auto cert = crypto::Certificate::from_der(f[0]);
            SEALGATE_TRY(cert);
            int days = 0;
            try {
                days = std::stoi(f[2]);
            } catch (const std::exception&) {
                return fail(Error::bad_input("key process: renew_smime: bad days " + f[2]));
            }
            auto made = keys.renew_smime(*cert, f[1] == "1", days);
            SEALGATE_TRY(made);
            return Fields{made->der()};
        }
        case Op::export_smime_pkcs12:
            return fail(kept_here("a PKCS#12 export", "sealgate cert export --pkcs12"));
        case Op::seal_pgp_secret:
            return single(keys.seal_pgp_secret(f[0], f[1]));
        case Op::unseal_pgp_secret:
            return fail(kept_here("an OpenPGP secret key", "sealgate pgp export --secret"));
        case Op::seal_secret:
            return single(keys.seal_secret(f[0], f[1]));
        case Op::unseal_secret:
            return single(keys.unseal_secret(f[0], f[1]));
        case Op::smime_sign:
            return single(keys.smime_sign(f[0], f[1]));
        case Op::pgp_sign:
            return single(keys.pgp_sign(f[0], f[1]));
        case Op::change_pgp_secret: {
            auto change = pgp_change(f[2], f[3], f[4]);
            SEALGATE_TRY(change);
            auto r = keys.change_pgp_secret(f[0], f[1], *change);
            SEALGATE_TRY(r);
            return Fields{std::move(r->fingerprint), std::move(r->public_key),
                          std::move(r->sealed_secret), std::move(r->encryption_key)};
        }
    }
    return fail(Error::bad_input("key process: unknown op"));
}

// A token bucket: at most `rate` requests a second, bursts up to one second's worth.
class RateBound {
  public:
    explicit RateBound(double rate) : rate_(rate), tokens_(rate) {}
    // Waits until a request may go; true when it had to wait (for the log, once).
    bool take() {
        const auto now = std::chrono::steady_clock::now();
        tokens_ =
            std::min(rate_, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_);
        last_ = now;
        if (tokens_ >= 1) {
            tokens_ -= 1;
            return false;
        }
        const auto wait = std::chrono::duration<double>((1 - tokens_) / rate_);
        std::this_thread::sleep_for(wait);
        tokens_ = 0;
        last_ = std::chrono::steady_clock::now();
        return true;
    }

  private:
    double rate_;
    double tokens_;
    std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace

void serve_channel(int fd, keystore::Keys& keys, const ServerOptions& options) {
    RateBound rate(options.max_rate);
    bool throttled_logged = false;
    for (;;) {
        auto frame = read_frame(fd, options.max_body, true, -1);
        if (!frame) {
            if (frame.error().kind != ErrorKind::temporary) {
                // Out of step with the stream: refuse, say why, and close.
                log_line("refused a malformed request: " + frame.error().reason +
                         "; channel closed");
                (void)write_frame(fd, encode_error(frame.error()));
            }
            return;
        }
        auto request = decode_request(frame->header, frame->body);
        frame->body.clear();
        if (!request) {
            log_line("refused a malformed request: " + request.error().reason + "; channel closed");
            (void)write_frame(fd, encode_error(request.error()));
            return;
        }
        if (rate.take() && !throttled_logged) {
            log_line("a channel exceeds " + std::to_string(static_cast<long>(options.max_rate)) +
                     " requests/s: throttled");
            throttled_logged = true;
        }
        auto result = dispatch(keys, *request);
        const std::string reply = result ? encode_reply(*result) : encode_error(result.error());
        if (!write_frame(fd, reply))
            return;
    }
}

int run_key_process(const ServerOptions& options) {
    const int control = options.control_fd;
    // serve reports it, with its kind (the exit status of serve follows it): E<kind>:<reason>.
    auto refuse = [control](const Error& e) {
        const std::string msg =
            "E" + std::to_string(static_cast<int>(e.kind)) + ":" + e.reason.substr(0, 900);
        (void)::send(control, msg.data(), msg.size(), MSG_NOSIGNAL);
        return 1;
    };
    if (auto s = close_other_fds(control); !s)
        return refuse(s.error());
    if (auto s = not_dumpable(); !s)
        return refuse(s.error());
    if (auto s = drop_to_user(options.user); !s)
        return refuse(s.error());
    if (auto s = no_new_privs(); !s)
        return refuse(s.error());
    if (auto s = seccomp_filter(options.store_connections); !s)
        return refuse(s.error());
    // The master key and the store, once: a key process that cannot open them says why, and
    // serve does not start.
    {
        auto keys = options.open_keys();
        if (!keys)
            return refuse(keys.error());
    }
    if (::send(control, "R", 1, MSG_NOSIGNAL) != 1)
        return 1;
    for (;;) {
        auto received = receive_fd(control);
        if (!received) {
            log_line(received.error().reason);
            continue;
        }
        if (!*received)
            break;  // serve is gone
        const int fd = **received;
        std::thread([fd, &options] {
            auto keys = options.open_keys();
            if (!keys) {
                log_line("channel refused: " + keys.error().reason);
                (void)write_frame(fd, encode_error(keys.error()));
            } else {
                serve_channel(fd, *keys->keys, options);
            }
            ::close(fd);
        }).detach();
    }
    std::fflush(stderr);
    // Channel threads may still run: leave without destructors racing them.
    ::_exit(0);
}

}  // namespace sealgate::keyproc
