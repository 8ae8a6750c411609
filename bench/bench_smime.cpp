// bench_smime — S/MIME cost per message: crypto::cms_encrypt and Envelope::parse + decrypt for
// 10 KB and 1 MB entities, RSA-2048 / RSA-3072 / P-256, both profiles; the same operation done
// with OpenSSL's CMS API directly (the reference DESIGN.md §7 compares with); and the whole
// pipeline (pipeline::Pipeline::process) on an SQLite store for 10 KB, encrypt and decrypt.
// Signatures (docs/signing.md): at 10 KB, sign (crypto::cms_sign_entity), sign then encrypt the
// multipart/signed, and decrypt then check the signature, to set against BM_cms_encrypt and
// BM_cms_parse_decrypt with the same arguments.
//
// Keys are made once per process (crypto::create_domain_certificate). Figures are per call on
// one thread; items_per_second is messages per second.
#include <benchmark/benchmark.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "bench_util.hpp"
#include "crypto/cms_sign.hpp"
#include "crypto/keygen.hpp"
#include "crypto/smime.hpp"
#include "keystore/keystore.hpp"
#include "keystore/master_key.hpp"
#include "pipeline/pipeline.hpp"
#include "policy/snapshot.hpp"
#include "store/sqlite_store.hpp"

namespace {

namespace crypto = sealgate::crypto;
using sealgate::bench::must;

constexpr std::array algorithms = {crypto::KeyAlgorithm::rsa2048, crypto::KeyAlgorithm::rsa3072,
                                   crypto::KeyAlgorithm::p256};
constexpr std::array algorithm_names = {"rsa2048", "rsa3072", "p256"};

struct KeyPair {
    crypto::Certificate cert;
    crypto::PrivateKey key;
};

const KeyPair& key_pair(std::int64_t index) {
    static std::map<std::int64_t, KeyPair> made;
    if (const auto it = made.find(index); it != made.end())
        return it->second;
    crypto::CertificateRequest req;
    req.email = "domain-cert@partner.example";
    req.algorithm = algorithms.at(static_cast<std::size_t>(index));
    auto [cert, key] = must(crypto::create_domain_certificate(req), "create certificate");
    return made.emplace(index, KeyPair{std::move(cert), std::move(key)}).first->second;
}

crypto::CmsProfile profile_of(const benchmark::State& state) {
    return state.range(1) == 0 ? crypto::CmsProfile::compat : crypto::CmsProfile::modern;
}

void label(benchmark::State& state) {
    state.SetLabel(std::string(algorithm_names.at(static_cast<std::size_t>(state.range(0)))) +
                   (state.range(1) == 0 ? " compat" : " modern"));
}

void count(benchmark::State& state, std::size_t bytes) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(bytes));
}

// Args: algorithm index, profile (0 compat, 1 modern), entity size.
void BM_cms_encrypt(benchmark::State& state) {
    const KeyPair& kp = key_pair(state.range(0));
    const std::vector<crypto::Certificate> recipients{kp.cert};
    const std::string entity =
        sealgate::bench::sample_entity(static_cast<std::size_t>(state.range(2)));
    for (auto _ : state) {
        auto enc = crypto::cms_encrypt(entity, recipients, profile_of(state));
        if (!enc) {
            state.SkipWithError(enc.error().reason.c_str());
            break;
        }
        benchmark::DoNotOptimize(enc->ber.data());
    }
    label(state);
    count(state, entity.size());
}

void BM_cms_parse_decrypt(benchmark::State& state) {
    const KeyPair& kp = key_pair(state.range(0));
    const std::string entity =
        sealgate::bench::sample_entity(static_cast<std::size_t>(state.range(2)));
    auto enc = crypto::cms_encrypt(entity, {kp.cert}, profile_of(state));
    if (!enc) {
        state.SkipWithError(enc.error().reason.c_str());
        return;
    }
    for (auto _ : state) {
        auto env = must(crypto::Envelope::parse(enc->ber), "parse");
        auto plain = must(env.decrypt(kp.key, kp.cert), "decrypt");
        if (plain != entity) {
            state.SkipWithError("decrypted entity differs");
            break;
        }
    }
    label(state);
    count(state, entity.size());
}

// --- Signatures: the signer is the same key pair as the recipient (one private operation to
// --- sign, one public to encrypt, as with two parties of the same algorithm).

// The multipart/signed entity of docs/signing.md around `entity` and its DER signature: what
// sign-and-encrypt encrypts. Base64 in lines of 76 (RFC 2045 §6.8).
std::string multipart_signed(const std::string& entity, const std::string& signature) {
    std::string b64(4 * ((signature.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                  reinterpret_cast<const unsigned char*>(signature.data()),
                                  static_cast<int>(signature.size()));
    b64.resize(static_cast<std::size_t>(n));
    std::string out =
        "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n"
        " micalg=sha-256; boundary=\"=_s1\"\r\n\r\n--=_s1\r\n";
    out.reserve(entity.size() + b64.size() * 79 / 76 + 512);
    out += entity;
    out +=
        "\r\n--=_s1\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n";
    for (std::size_t i = 0; i < b64.size(); i += 76) {
        out.append(b64, i, 76);
        out += "\r\n";
    }
    out += "--=_s1--\r\n";
    return out;
}

void BM_cms_sign(benchmark::State& state) {
    const KeyPair& kp = key_pair(state.range(0));
    const std::string entity =
        sealgate::bench::sample_entity(static_cast<std::size_t>(state.range(2)));
    for (auto _ : state) {
        auto sig = crypto::cms_sign_entity(kp.cert, kp.key, {}, entity, profile_of(state));
        if (!sig) {
            state.SkipWithError(sig.error().reason.c_str());
            break;
        }
        benchmark::DoNotOptimize(sig->data());
    }
    label(state);
    count(state, entity.size());
}

// Per message with sign-and-encrypt: sign, wrap, encrypt the multipart/signed.
void BM_cms_sign_encrypt(benchmark::State& state) {
    const KeyPair& kp = key_pair(state.range(0));
    const std::vector<crypto::Certificate> recipients{kp.cert};
    const std::string entity =
        sealgate::bench::sample_entity(static_cast<std::size_t>(state.range(2)));
    for (auto _ : state) {
        auto sig = crypto::cms_sign_entity(kp.cert, kp.key, {}, entity, profile_of(state));
        if (!sig) {
            state.SkipWithError(sig.error().reason.c_str());
            break;
        }
        auto enc =
            crypto::cms_encrypt(multipart_signed(entity, *sig), recipients, profile_of(state));
        if (!enc) {
            state.SkipWithError(enc.error().reason.c_str());
            break;
        }
        benchmark::DoNotOptimize(enc->ber.data());
    }
    label(state);
    count(state, entity.size());
}

// The check alone (cms_check_signature: parse the SignedData, verify one SignerInfo).
void BM_cms_check(benchmark::State& state) {
    const KeyPair& kp = key_pair(state.range(0));
    const std::string entity =
        sealgate::bench::sample_entity(static_cast<std::size_t>(state.range(2)));
    const std::string sig =
        must(crypto::cms_sign_entity(kp.cert, kp.key, {}, entity, profile_of(state)), "sign");
    const std::vector<crypto::Certificate> candidates{kp.cert};
    for (auto _ : state) {
        auto check = must(crypto::cms_check_signature(sig, entity, candidates), "check");
        if (!check.intact) {
            state.SkipWithError(check.reason.c_str());
            break;
        }
    }
    label(state);
    count(state, entity.size());
}

// The receiving side: parse, decrypt, check the signature over part 1 (the parts' offsets are
// known here; the pipeline's MIME parse is not part of this figure).
void BM_cms_decrypt_check(benchmark::State& state) {
    const KeyPair& kp = key_pair(state.range(0));
    const std::string entity =
        sealgate::bench::sample_entity(static_cast<std::size_t>(state.range(2)));
    const std::string sig =
        must(crypto::cms_sign_entity(kp.cert, kp.key, {}, entity, profile_of(state)), "sign");
    const std::string wrapped = multipart_signed(entity, sig);
    const auto enc = must(crypto::cms_encrypt(wrapped, {kp.cert}, profile_of(state)), "encrypt");
    const std::vector<crypto::Certificate> candidates{kp.cert};
    for (auto _ : state) {
        auto env = must(crypto::Envelope::parse(enc.ber), "parse");
        auto plain = must(env.decrypt(kp.key, kp.cert), "decrypt");
        const std::string_view part1 =
            std::string_view(plain).substr(plain.find("--=_s1\r\n") + 8, entity.size());
        auto check = must(crypto::cms_check_signature(sig, part1, candidates), "check");
        if (!check.intact) {
            state.SkipWithError(check.reason.c_str());
            break;
        }
    }
    label(state);
    count(state, entity.size());
}

// --- The reference: OpenSSL's CMS API called directly, compat profile (AES-256-CBC, RSA
// --- PKCS#1 v1.5), DER out. This is what "raw OpenSSL CMS" in DESIGN.md §7 means.

struct CmsFree {
    void operator()(CMS_ContentInfo* p) const { CMS_ContentInfo_free(p); }
};
struct BioFree {
    void operator()(BIO* p) const { BIO_free(p); }
};
struct X509Free {
    void operator()(X509* p) const { X509_free(p); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct StackFree {
    void operator()(STACK_OF(X509) * p) const { sk_X509_free(p); }
};

std::unique_ptr<X509, X509Free> raw_cert(const crypto::Certificate& cert) {
    const std::string der = cert.der();
    auto p = reinterpret_cast<const unsigned char*>(der.data());
    return std::unique_ptr<X509, X509Free>(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

std::unique_ptr<EVP_PKEY, PkeyFree> raw_key(const crypto::PrivateKey& key) {
    const std::string der = key.to_pkcs8_der();
    auto p = reinterpret_cast<const unsigned char*>(der.data());
    return std::unique_ptr<EVP_PKEY, PkeyFree>(
        d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
}

std::string raw_encrypt(X509* cert, const std::string& entity) {
    std::unique_ptr<STACK_OF(X509), StackFree> certs(sk_X509_new_null());
    sk_X509_push(certs.get(), cert);
    std::unique_ptr<BIO, BioFree> in(
        BIO_new_mem_buf(entity.data(), static_cast<int>(entity.size())));
    std::unique_ptr<CMS_ContentInfo, CmsFree> cms(
        CMS_encrypt(certs.get(), in.get(), EVP_aes_256_cbc(), CMS_BINARY));
    if (!cms)
        return {};
    unsigned char* out = nullptr;
    const int n = i2d_CMS_ContentInfo(cms.get(), &out);
    if (n <= 0)
        return {};
    std::string der(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
    OPENSSL_free(out);
    return der;
}

void BM_raw_openssl_encrypt(benchmark::State& state) {
    const KeyPair& kp = key_pair(state.range(0));
    const auto cert = raw_cert(kp.cert);
    const std::string entity =
        sealgate::bench::sample_entity(static_cast<std::size_t>(state.range(2)));
    for (auto _ : state) {
        const std::string der = raw_encrypt(cert.get(), entity);
        if (der.empty()) {
            state.SkipWithError("CMS_encrypt failed");
            break;
        }
        benchmark::DoNotOptimize(der.data());
    }
    label(state);
    count(state, entity.size());
}

void BM_raw_openssl_decrypt(benchmark::State& state) {
    const KeyPair& kp = key_pair(state.range(0));
    const auto cert = raw_cert(kp.cert);
    const auto key = raw_key(kp.key);
    const std::string entity =
        sealgate::bench::sample_entity(static_cast<std::size_t>(state.range(2)));
    const std::string der = raw_encrypt(cert.get(), entity);
    for (auto _ : state) {
        auto p = reinterpret_cast<const unsigned char*>(der.data());
        std::unique_ptr<CMS_ContentInfo, CmsFree> cms(
            d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
        std::unique_ptr<BIO, BioFree> out(BIO_new(BIO_s_mem()));
        if (!cms ||
            CMS_decrypt(cms.get(), key.get(), cert.get(), nullptr, out.get(), CMS_BINARY) != 1) {
            state.SkipWithError("CMS_decrypt failed");
            break;
        }
        char* data = nullptr;
        const long n = BIO_get_mem_data(out.get(), &data);
        if (static_cast<std::size_t>(n) != entity.size()) {
            state.SkipWithError("decrypted size differs");
            break;
        }
    }
    label(state);
    count(state, entity.size());
}

// --- The whole pipeline on an SQLite store in a fresh temporary directory.
//
// One RSA-2048 certificate with its key serves both sides: it is our local domain's
// certificate (example.com, for decryption) and, trusted on the CTL, the certificate chosen for
// the partner domain partner.example (mandatory, S/MIME). Encrypting alice@example.com →
// bob@partner.example therefore yields a message that the same gateway decrypts when it comes
// back as bob@partner.example → alice@example.com.

struct TempDir {
    std::string path;
    TempDir() {
        std::string templ =
            (std::filesystem::temp_directory_path() / "sealgate-bench-XXXXXX").string();
        if (mkdtemp(templ.data()) == nullptr) {
            std::perror("mkdtemp");
            std::exit(1);
        }
        path = templ;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

struct PipelineFixture {
    TempDir dir;  // declared first: removed after the store is closed
    std::unique_ptr<sealgate::SqliteStore> store;
    std::unique_ptr<sealgate::keystore::KeyStore> keys;
    std::shared_ptr<const sealgate::policy::Snapshot> snapshot;

    PipelineFixture() {
        const std::string db = dir.path + "/sealgate.db";
        store = must(sealgate::SqliteStore::open(db, sealgate::OpenMode::create), "open store");
        auto master =
            must(sealgate::MasterKey::create(sealgate::default_master_key_path(db)), "master key");
        keys = std::make_unique<sealgate::keystore::KeyStore>(*store, std::move(master));
        const KeyPair& kp = key_pair(0);
        const std::string sha = kp.cert.sha256();
        must(keys->add_smime_key(kp.cert, kp.key), "add key");
        must(store->put_ctl({sha, sealgate::CtlAction::trust, 0}), "ctl");
        sealgate::DomainRecord local;
        local.name = "example.com";
        local.local = true;
        must(store->put_domain(local), "local domain");
        sealgate::DomainRecord partner;
        partner.name = "partner.example";
        partner.encrypt_mode = sealgate::EncryptMode::mandatory;
        partner.methods = {sealgate::Method::smime};
        partner.smime_certs = {sha};
        must(store->put_domain(partner), "partner domain");
        snapshot = must(sealgate::policy::Snapshot::load(*store), "snapshot");
    }
};

PipelineFixture& fixture() {
    static PipelineFixture f;
    return f;
}

void BM_pipeline_encrypt(benchmark::State& state) {
    auto& f = fixture();
    sealgate::pipeline::Pipeline p(f.snapshot, *f.keys);
    const std::string message = sealgate::bench::sample_message(
        static_cast<std::size_t>(state.range(0)), "alice@example.com", "bob@partner.example");
    const sealgate::pipeline::Envelope env{"alice@example.com", {"bob@partner.example"}};
    for (auto _ : state) {
        auto copies = must(p.process(env, message), "process");
        if (copies.size() != 1 || copies[0].outcome.action != sealgate::CopyAction::encrypted) {
            state.SkipWithError("not encrypted");
            break;
        }
        benchmark::DoNotOptimize(copies[0].data.data());
    }
    count(state, message.size());
}

void BM_pipeline_decrypt(benchmark::State& state) {
    auto& f = fixture();
    sealgate::pipeline::Pipeline p(f.snapshot, *f.keys);
    const std::string message = sealgate::bench::sample_message(
        static_cast<std::size_t>(state.range(0)), "bob@partner.example", "alice@example.com");
    auto encrypted = must(p.process({"alice@example.com", {"bob@partner.example"}}, message),
                          "encrypt for the decrypt benchmark");
    const std::string input = encrypted.at(0).data;
    const sealgate::pipeline::Envelope env{"bob@partner.example", {"alice@example.com"}};
    for (auto _ : state) {
        auto copies = must(p.process(env, input), "process");
        if (copies.size() != 1 || copies[0].outcome.action != sealgate::CopyAction::decrypted) {
            state.SkipWithError("not decrypted");
            break;
        }
        benchmark::DoNotOptimize(copies[0].data.data());
    }
    count(state, message.size());
}

constexpr std::int64_t KB = 1024;
constexpr std::int64_t MB = 1024 * 1024;

void crypto_args(benchmark::internal::Benchmark* b) {
    b->ArgNames({"alg", "modern", "bytes"});
    for (std::int64_t alg = 0; alg < 3; ++alg)
        for (std::int64_t profile = 0; profile < 2; ++profile)
            for (const std::int64_t size : {10 * KB, MB})
                b->Args({alg, profile, size});
}

// The signature cases: every algorithm and profile, 10 KB.
void sign_args(benchmark::internal::Benchmark* b) {
    b->ArgNames({"alg", "modern", "bytes"});
    for (std::int64_t alg = 0; alg < 3; ++alg)
        for (std::int64_t profile = 0; profile < 2; ++profile)
            b->Args({alg, profile, 10 * KB});
}

void raw_args(benchmark::internal::Benchmark* b) {
    b->ArgNames({"alg", "modern", "bytes"});
    for (const std::int64_t size : {10 * KB, MB})
        b->Args({0, 0, size});
    for (const std::int64_t size : {10 * KB, MB})
        b->Args({1, 0, size});
}

}  // namespace

BENCHMARK(BM_cms_encrypt)->Apply(crypto_args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_cms_parse_decrypt)->Apply(crypto_args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_cms_sign)->Apply(sign_args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_cms_sign_encrypt)->Apply(sign_args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_cms_check)->Apply(sign_args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_cms_decrypt_check)->Apply(sign_args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_raw_openssl_encrypt)->Apply(raw_args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_raw_openssl_decrypt)->Apply(raw_args)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_pipeline_encrypt)->Arg(10 * KB)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_pipeline_decrypt)->Arg(10 * KB)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
