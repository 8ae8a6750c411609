// bench_keyproc — what one key process round trip costs by itself: a keyproc channel (a
// SOCK_STREAM socketpair, the frame format, serve_channel on a thread of its own) against a fake
// Keys that answers at once, so that only the IPC and the copies are measured. The real cost per
// message is this plus nothing: the cryptography is the same in either process.
// Process CPU time (both threads), per round trip of a request of N octets and a reply of N.
#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "keyproc/channel.hpp"
#include "keyproc/protocol.hpp"
#include "keyproc/server.hpp"

namespace {

using namespace sealgate;

class EchoKeys final : public keystore::Keys {
  public:
    Result<std::optional<keystore::SmimeDecrypted>> smime_decrypt(std::string ber) override {
        return std::optional<keystore::SmimeDecrypted>{
            keystore::SmimeDecrypted{std::move(ber), "sha", "aes256-cbc"}};
    }
    Result<std::optional<openpgp::Decrypted>> pgp_decrypt(std::string_view,
                                                          std::span<const std::string>) override {
        return std::optional<openpgp::Decrypted>{};
    }
    Result<std::string> smime_sign_entity(std::string_view, std::string_view,
                                          const std::vector<crypto::Certificate>&,
                                          crypto::CmsProfile) override {
        return std::string();
    }
    Result<std::string> pgp_sign_entity(std::string_view, std::string_view) override {
        return std::string();
    }
    Status refresh() override { return ok(); }
    Status add_smime_key(const crypto::Certificate&, const crypto::PrivateKey&) override {
        return ok();
    }
    Result<crypto::Certificate> renew_smime(const crypto::Certificate&, bool, int) override {
        return fail(Error::internal("unused"));
    }
    Result<std::string> export_smime_pkcs12(const crypto::Certificate&,
                                            const std::vector<crypto::Certificate>&,
                                            std::string_view) override {
        return std::string();
    }
    Result<std::string> seal_pgp_secret(std::string_view, std::string_view) override {
        return std::string();
    }
    Result<std::string> unseal_pgp_secret(std::string_view, std::string_view) override {
        return std::string();
    }
    Result<keystore::PgpSecretChanged> change_pgp_secret(
        std::string_view, std::string_view, const keystore::PgpSecretChange&) override {
        return keystore::PgpSecretChanged{};
    }
    Result<std::string> seal_secret(std::string_view, std::string_view) override {
        return std::string();
    }
    Result<std::string> unseal_secret(std::string_view, std::string_view) override {
        return std::string();
    }
    Result<std::string> smime_sign(std::string_view, std::string_view) override {
        return std::string();
    }
    Result<std::string> pgp_sign(std::string_view, std::string_view) override {
        return std::string();
    }
};

void BM_keyproc_round_trip(benchmark::State& state) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        state.SkipWithError("socketpair");
        return;
    }
    keyproc::Fd client(sv[0]);
    EchoKeys keys;
    keyproc::ServerOptions options;
    options.max_body = keyproc::max_body_for(50u << 20);
    options.max_rate = 1e9;
    std::thread server([&] {
        keyproc::serve_channel(sv[1], keys, options);
        ::close(sv[1]);
    });
    const std::vector<std::string> fields{
        std::string(static_cast<std::size_t>(state.range(0)), 'x')};
    for (auto _ : state) {
        const std::string frame = keyproc::encode_request(keyproc::Op::smime_decrypt, fields);
        if (!keyproc::write_frame(client.get(), frame)) {
            state.SkipWithError("write");
            break;
        }
        auto reply = keyproc::read_frame(client.get(), options.max_body, false, 10000);
        if (!reply) {
            state.SkipWithError("read");
            break;
        }
        auto r = keyproc::decode_reply(reply->header, reply->body);
        benchmark::DoNotOptimize(r);
    }
    client.reset();
    server.join();
    state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_keyproc_round_trip)->Arg(10240)->Arg(102400)->Arg(1048576)->MeasureProcessCPUTime();

}  // namespace

BENCHMARK_MAIN();
