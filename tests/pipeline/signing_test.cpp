// Signatures and header protection through the pipeline (docs/signing.md), in process: two
// gateways, A for a.example and B for b.example, each with its own SQLite store, key store and
// own S/MIME certificate and OpenPGP key; each has the other as a partner (certificate trusted on
// the CTL, key trusted and bound). What A's pipeline makes, B's pipeline reads.
#include <gtest/gtest.h>

#include "crypto/keygen.hpp"
#include "keystore/keystore.hpp"
#include "mime/quoted_printable.hpp"
#include "openpgp/key.hpp"
#include "pipeline/delivery.hpp"
#include "pipeline/pipeline.hpp"
#include "pipeline/stages.hpp"
#include "policy/policy.hpp"
#include "store/sqlite_store.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

namespace sealgate {
namespace {

const std::string kMessage =
    "From: Alice <alice@a.example>\r\nTo: bob@b.example\r\nSubject: quarterly figures\r\n"
    "Date: Sun, 29 Nov 2026 12:00:00 +0000\r\nMessage-ID: <m1@a.example>\r\n"
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\nGr\xfc\xdf"
    "e aus K\xf6ln\r\nFrom here on, a line mailbox formats quote.\r\n";

bool has(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

// The unfolded value of the first header field `name`, or "".
std::string header(const std::string& message, std::string_view name) {
    auto e = mime::Entity::parse(message.substr(0, message.find("\r\n\r\n") + 4));
    if (!e)
        return "<unparsable>";
    return e->get(name).value_or("");
}

std::string without_info(const std::string& message) {
    auto e = mime::Entity::parse(message);
    if (!e)
        return "<unparsable>";
    e->remove_prefix("X-Sealgate-");
    return std::move(*e).serialize();
}

struct Side {
    std::string domain;
    test::TempDir dir;
    std::unique_ptr<SqliteStore> store;
    std::unique_ptr<keystore::KeyStore> keys;
    std::optional<crypto::Certificate> cert;  // our own
    std::string pgp_fingerprint, pgp_public;

    std::shared_ptr<const policy::Snapshot> snapshot() {
        auto s = policy::Snapshot::load(*store);
        EXPECT_TRUE(s) << (s ? "" : s.error().reason);
        return s ? *s : nullptr;
    }
    Result<std::vector<pipeline::Copy>> run(std::string_view sender, std::string_view rcpt,
                                            const std::string& message) {
        pipeline::Pipeline pipe(snapshot(), *keys);
        return pipe.process({std::string(sender), {std::string(rcpt)}}, message);
    }
    DomainRecord record(const std::string& name) {
        auto r = store->find_domain(name);
        EXPECT_TRUE(r && *r) << name;
        return r && *r ? **r : DomainRecord{};
    }
    void put(const DomainRecord& rec) { ASSERT_TRUE(store->put_domain(rec)); }
};

class SigningTest : public ::testing::Test {
  protected:
    void SetUp() override {
        make_side(a_, "a.example");
        make_side(b_, "b.example");
        partner(a_, b_);
        partner(b_, a_);
    }

    static void make_side(Side& s, const std::string& domain) {
        s.domain = domain;
        s.store = test::open_store(s.dir);
        ASSERT_TRUE(s.store);
        auto master = MasterKey::create(s.dir.file("s.db.key"));
        ASSERT_TRUE(master) << master.error().reason;
        s.keys = std::make_unique<keystore::KeyStore>(*s.store, std::move(*master));
        DomainRecord local;
        local.name = domain;
        local.local = true;
        s.put(local);
        auto cert = crypto::create_domain_certificate(
            {"domain-cert@" + domain, domain + " domain", crypto::KeyAlgorithm::p256, 30});
        ASSERT_TRUE(cert) << cert.error().reason;
        ASSERT_TRUE(s.keys->add_smime_key(cert->first, cert->second));
        s.cert = cert->first;
        auto key = openpgp::create_key(domain + " domain <domain-cert@" + domain + ">",
                                       openpgp::KeyAlgorithm::ed25519, 0);
        ASSERT_TRUE(key) << key.error().reason;
        auto sealed = s.keys->seal_pgp_secret(key->fingerprint, key->secret_key);
        ASSERT_TRUE(sealed);
        PgpKeyRecord rec;
        rec.fingerprint = key->fingerprint;
        rec.public_key = key->public_key;
        rec.sealed_secret = *sealed;
        rec.trusted = true;
        ASSERT_TRUE(s.store->put_pgp_key(rec));
        s.pgp_fingerprint = key->fingerprint;
        s.pgp_public = key->public_key;
    }

    // `at` knows `other` as a partner: its certificate on the CTL and chosen for the domain, its
    // key trusted and bound; S/MIME first, mandatory; the record's signature settings as new
    // domains get them (sign-and-encrypt, header protection).
    static void partner(Side& at, const Side& other) {
        ASSERT_TRUE(at.store->put_certificate(CertRecord{other.cert->sha256(), other.cert->der()}));
        ASSERT_TRUE(at.store->put_ctl(CtlEntry{other.cert->sha256(), CtlAction::trust}));
        PgpKeyRecord key;
        key.fingerprint = other.pgp_fingerprint;
        key.public_key = other.pgp_public;
        key.trusted = true;
        key.domains = {other.domain};
        ASSERT_TRUE(at.store->put_pgp_key(key));
        DomainRecord rec;
        rec.name = other.domain;
        rec.encrypt_mode = EncryptMode::mandatory;
        rec.smime_certs = {other.cert->sha256()};
        at.put(rec);
    }

    // A → B (encrypted or signed by A), then into B as inbound mail.
    std::string a_to_b(const std::string& message, pipeline::Outcome* outbound = nullptr,
                       pipeline::Outcome* inbound = nullptr) {
        auto sent = a_.run("alice@a.example", "bob@b.example", message);
        EXPECT_TRUE(sent) << sent.error().reason;
        if (!sent)
            return {};
        if (outbound != nullptr)
            *outbound = sent->front().outcome;
        wire_ = sent->front().data;
        auto got = b_.run("alice@a.example", "bob@b.example", wire_);
        EXPECT_TRUE(got) << got.error().reason;
        if (!got)
            return {};
        if (inbound != nullptr)
            *inbound = got->front().outcome;
        return got->front().data;
    }

    void set_b_requires(SignatureAction action) {
        auto rec = b_.record("a.example");
        rec.require_signature = true;
        rec.on_bad_signature = action;
        b_.put(rec);
    }
    void set_a_signs(SignMode mode, EncryptMode encrypt = EncryptMode::mandatory,
                     std::vector<Method> methods = {Method::smime, Method::pgp}) {
        auto rec = a_.record("b.example");
        rec.sign = mode;
        rec.encrypt_mode = encrypt;
        rec.methods = std::move(methods);
        a_.put(rec);
    }

    Side a_, b_;
    std::string wire_;  // what A sent last
};

TEST_F(SigningTest, SmimeSignAndEncryptWithProtectedHeaders) {
    pipeline::Outcome out, in;
    const std::string delivered = a_to_b(kMessage, &out, &in);
    const std::string a_cert = a_.cert->sha256();
    EXPECT_EQ(out.action, CopyAction::encrypted);
    EXPECT_EQ(out.signature, "signed; signer=" + a_cert + "; method=smime");
    EXPECT_EQ(header(wire_, "X-Sealgate-Signature"), out.signature);
    // RFC 9788 hcp_baseline: the Subject leaves obscured, the addresses stay.
    EXPECT_EQ(header(wire_, "Subject"), "[...]");
    EXPECT_EQ(header(wire_, "From"), "Alice <alice@a.example>");
    EXPECT_FALSE(has(wire_, "K\xf6ln"));

    EXPECT_EQ(in.action, CopyAction::decrypted);
    EXPECT_EQ(in.signature, "valid; signer=" + a_cert + "; method=smime");
    EXPECT_EQ(header(delivered, "X-Sealgate-Signature"), in.signature);
    // The Subject restored from inside, the signature removed: the original content.
    EXPECT_EQ(header(delivered, "Subject"), "quarterly figures");
    EXPECT_EQ(header(delivered, "Content-Type"), "text/plain; charset=iso-8859-1");
    EXPECT_TRUE(has(delivered,
                    "\r\n\r\nGr\xfc\xdf"
                    "e aus K\xf6ln\r\n"))
        << delivered;
    EXPECT_FALSE(has(delivered, "hp=")) << "a delivered message claims no protection";
}

TEST_F(SigningTest, OpenPgpSignAndEncryptWithProtectedHeaders) {
    set_a_signs(SignMode::sign_and_encrypt, EncryptMode::mandatory, {Method::pgp});
    pipeline::Outcome out, in;
    const std::string delivered = a_to_b(kMessage, &out, &in);
    EXPECT_EQ(out.method, "pgp");
    EXPECT_EQ(out.signature, "signed; signer=" + a_.pgp_fingerprint + "; method=pgp");
    EXPECT_TRUE(has(wire_, "multipart/encrypted"));
    EXPECT_EQ(header(wire_, "Subject"), "[...]");
    EXPECT_EQ(in.action, CopyAction::decrypted);
    EXPECT_EQ(in.signature, "valid; signer=" + a_.pgp_fingerprint + "; method=pgp");
    EXPECT_EQ(header(delivered, "Subject"), "quarterly figures");
    EXPECT_FALSE(has(delivered, "multipart/signed"));
    EXPECT_TRUE(has(delivered,
                    "Gr\xfc\xdf"
                    "e aus K\xf6ln"));
}

TEST_F(SigningTest, HeaderProtectionOffAndNoSignatureIsTodaysFormat) {
    auto rec = a_.record("b.example");
    rec.sign = SignMode::none;
    rec.header_protection = false;
    a_.put(rec);
    pipeline::Outcome out, in;
    const std::string delivered = a_to_b(kMessage, &out, &in);
    EXPECT_EQ(out.signature, "") << "no signature asked, nothing said";
    EXPECT_EQ(header(wire_, "X-Sealgate-Signature"), "");
    EXPECT_EQ(header(wire_, "Subject"), "quarterly figures");
    EXPECT_EQ(in.signature, "none");
    // Byte for byte, apart from B's info header fields.
    EXPECT_EQ(without_info(delivered), kMessage);
}

TEST_F(SigningTest, SignOnlyLeavesATransportSafeMultipartSigned) {
    set_a_signs(SignMode::sign, EncryptMode::none, {Method::smime});
    pipeline::Outcome out, in;
    const std::string delivered = a_to_b(kMessage, &out, &in);
    EXPECT_EQ(out.action, CopyAction::passed);
    EXPECT_EQ(out.signature, "signed; signer=" + a_.cert->sha256() + "; method=smime");
    EXPECT_TRUE(has(header(wire_, "Content-Type"), "multipart/signed")) << wire_;
    EXPECT_TRUE(has(header(wire_, "Content-Type"), "protocol=\"application/pkcs7-signature\""));
    EXPECT_TRUE(has(header(wire_, "Content-Type"), "micalg=sha-256"));
    // hp="clear": the Subject stays readable outside, and the signed part is 7-bit.
    EXPECT_EQ(header(wire_, "Subject"), "quarterly figures");
    EXPECT_TRUE(has(wire_, "hp=\"clear\"") || has(wire_, "hp=clear")) << wire_;
    const std::string body = wire_.substr(wire_.find("\r\n\r\n"));
    EXPECT_TRUE(std::all_of(body.begin(), body.end(),
                            [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
    EXPECT_TRUE(has(wire_, "Gr=FC=DFe aus K=F6ln\r\n=46rom here on")) << wire_;

    EXPECT_EQ(in.action, CopyAction::passed);
    EXPECT_EQ(in.signature, "valid; signer=" + a_.cert->sha256() + "; method=smime");
    EXPECT_FALSE(has(delivered, "multipart/signed")) << "the signature is removed";
    EXPECT_EQ(header(delivered, "Content-Transfer-Encoding"), "quoted-printable");
    const std::string text = delivered.substr(delivered.find("\r\n\r\n") + 4);
    EXPECT_EQ(mime::quoted_printable_decode(text),
              "Gr\xfc\xdf"
              "e aus K\xf6ln\r\nFrom here on, a line mailbox formats quote.\r\n");
}

TEST_F(SigningTest, OpenPgpSignOnlyIsRfc3156) {
    set_a_signs(SignMode::sign, EncryptMode::none, {Method::pgp});
    pipeline::Outcome out, in;
    const std::string delivered = a_to_b(kMessage, &out, &in);
    EXPECT_TRUE(has(header(wire_, "Content-Type"), "protocol=\"application/pgp-signature\""));
    EXPECT_TRUE(has(header(wire_, "Content-Type"), "micalg=pgp-sha256"));
    EXPECT_TRUE(has(wire_, "-----BEGIN PGP SIGNATURE-----"));
    EXPECT_EQ(in.signature, "valid; signer=" + a_.pgp_fingerprint + "; method=pgp");
    EXPECT_FALSE(has(delivered, "multipart/signed"));
}

TEST_F(SigningTest, KeepSignatureDeliversTheMultipartSigned) {
    set_a_signs(SignMode::sign, EncryptMode::none, {Method::smime});
    auto rec = b_.record("a.example");
    rec.keep_signature = true;
    b_.put(rec);
    pipeline::Outcome in;
    const std::string delivered = a_to_b(kMessage, nullptr, &in);
    EXPECT_EQ(in.signature, "valid; signer=" + a_.cert->sha256() + "; method=smime");
    EXPECT_TRUE(has(header(delivered, "Content-Type"), "multipart/signed"));
    // The signed part is untouched: the recipient's client can check it too.
    EXPECT_TRUE(has(delivered, wire_.substr(wire_.find("\r\n\r\n") + 4)));
}

TEST_F(SigningTest, NoSignerLeavesUnsignedAndSaysWhy) {
    // A's certificate retired and its key unbound from nothing: no S/MIME signer for a.example.
    ASSERT_TRUE(a_.store->set_certificate_retired(a_.cert->sha256(), true));
    pipeline::Outcome out, in;
    a_to_b(kMessage, &out, &in);
    EXPECT_EQ(out.action, CopyAction::encrypted);
    EXPECT_TRUE(out.signature.starts_with("not signed; reason=\"no usable S/MIME signing"))
        << out.signature;
    EXPECT_EQ(header(wire_, "X-Sealgate-Signature"), out.signature);
    EXPECT_EQ(in.signature, "none");
}

TEST_F(SigningTest, RequiredSignatureMissingIsRefused550) {
    set_a_signs(SignMode::none);
    set_b_requires(SignatureAction::refuse);
    auto sent = a_.run("alice@a.example", "bob@b.example", kMessage);
    ASSERT_TRUE(sent);
    auto got = b_.run("alice@a.example", "bob@b.example", sent->front().data);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, 550);
    EXPECT_EQ(got.error().status, "5.7.1");
    EXPECT_EQ(got.error().public_text, "A valid signature of the sending domain is required");
    EXPECT_TRUE(has(got.error().reason, "a.example")) << got.error().reason;
    EXPECT_TRUE(has(got.error().reason, "none")) << got.error().reason;
    // Refused when the message arrives, not an encryption policy that changed since RCPT: a
    // retry would meet the same answer, so it stays 550.
    EXPECT_EQ(pipeline::unrelayed_reply(got.error()).code, 550);
    // Signed, the same message passes.
    set_a_signs(SignMode::sign_and_encrypt);
    pipeline::Outcome in;
    a_to_b(kMessage, nullptr, &in);
    EXPECT_TRUE(in.signature.starts_with("valid;")) << in.signature;
}

TEST_F(SigningTest, RequiredSignatureMissingIsMarkedWhenSoConfigured) {
    set_a_signs(SignMode::none, EncryptMode::none);
    set_b_requires(SignatureAction::mark);
    pipeline::Outcome in;
    const std::string delivered = a_to_b(kMessage, nullptr, &in);
    EXPECT_EQ(in.signature, "none");
    EXPECT_EQ(header(delivered, "Subject"), "[NOT VERIFIED] quarterly figures");
    // No Subject at all: one is added.
    std::string no_subject = kMessage;
    no_subject.erase(no_subject.find("Subject:"),
                     std::string("Subject: quarterly figures\r\n").size());
    auto got = b_.run("alice@a.example", "bob@b.example", no_subject);
    ASSERT_TRUE(got) << got.error().reason;
    EXPECT_EQ(header(got->front().data, "Subject"), "[NOT VERIFIED]");
}

TEST_F(SigningTest, TamperedSignedBodyIsInvalid) {
    set_a_signs(SignMode::sign, EncryptMode::none, {Method::smime});
    auto sent = a_.run("alice@a.example", "bob@b.example", kMessage);
    ASSERT_TRUE(sent);
    std::string tampered = sent->front().data;
    const auto at = tampered.find("K=F6ln");
    ASSERT_NE(at, std::string::npos);
    tampered.replace(at, 6, "Bonn  ");
    auto got = b_.run("alice@a.example", "bob@b.example", tampered);
    ASSERT_TRUE(got) << got.error().reason;
    const auto& in = got->front().outcome;
    EXPECT_TRUE(in.signature.starts_with("invalid; reason=")) << in.signature;
    EXPECT_TRUE(has(in.signature, "signer=" + a_.cert->sha256())) << in.signature;
    // What was not signed as it stands is not restored from inside either (hp="clear").
    set_b_requires(SignatureAction::refuse);
    got = b_.run("alice@a.example", "bob@b.example", tampered);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, 550);
}

TEST_F(SigningTest, TamperedOpenPgpSignedBodyIsInvalid) {
    set_a_signs(SignMode::sign, EncryptMode::none, {Method::pgp});
    auto sent = a_.run("alice@a.example", "bob@b.example", kMessage);
    ASSERT_TRUE(sent);
    std::string tampered = sent->front().data;
    const auto at = tampered.find("quote.");
    ASSERT_NE(at, std::string::npos);
    tampered.replace(at, 6, "QUOTE.");
    auto got = b_.run("alice@a.example", "bob@b.example", tampered);
    ASSERT_TRUE(got) << got.error().reason;
    EXPECT_TRUE(got->front().outcome.signature.starts_with("invalid; reason=\""))
        << got->front().outcome.signature;
}

TEST_F(SigningTest, SignerNotBoundToTheSenderDomainIsInvalid) {
    // B knows a.example by another certificate than the one A signs with.
    auto other =
        crypto::create_domain_certificate({"other@a.example", "", crypto::KeyAlgorithm::p256, 30});
    ASSERT_TRUE(other);
    ASSERT_TRUE(b_.store->put_certificate(CertRecord{other->first.sha256(), other->first.der()}));
    ASSERT_TRUE(b_.store->put_ctl(CtlEntry{other->first.sha256(), CtlAction::trust}));
    auto rec = b_.record("a.example");
    rec.smime_certs = {other->first.sha256()};
    b_.put(rec);
    set_a_signs(SignMode::sign, EncryptMode::none, {Method::smime});
    pipeline::Outcome in;
    a_to_b(kMessage, nullptr, &in);
    EXPECT_TRUE(in.signature.starts_with("invalid; reason=")) << in.signature;
    EXPECT_TRUE(has(in.signature, "not bound to a.example")) << in.signature;
    EXPECT_TRUE(has(in.signature, "signer=" + a_.cert->sha256())) << in.signature;
}

TEST_F(SigningTest, SpoofedSignatureHeaderFromOutsideIsReplaced) {
    set_a_signs(SignMode::none, EncryptMode::none);
    const std::string spoofed =
        "X-Sealgate-Signature: valid; signer=forged; method=smime\r\n" + kMessage;
    auto got = b_.run("alice@a.example", "bob@b.example", spoofed);
    ASSERT_TRUE(got);
    EXPECT_FALSE(has(got->front().data, "forged"));
    EXPECT_EQ(header(got->front().data, "X-Sealgate-Signature"), "none");
}

// Restoring a protected From: must not move a message out from under the rule of the domain
// it will show: an attacker encrypts to B's certificate (anyone can) with From: a.example
// inside and his own domain outside.
TEST_F(SigningTest, ProtectedFromCannotDodgeTheRequirement) {
    set_b_requires(SignatureAction::refuse);
    // What the attacker's gateway would make: mallory's "partner" record at A's side stands in.
    DomainRecord to_b = a_.record("b.example");
    to_b.sign = SignMode::none;
    a_.put(to_b);
    std::string forged = kMessage;
    auto sent = a_.run("alice@a.example", "bob@b.example", forged);
    ASSERT_TRUE(sent);
    std::string wire = sent->front().data;
    // Outside, the attacker's own From:; inside (encrypted, protected) alice@a.example.
    const auto from = wire.find("From: Alice <alice@a.example>");
    ASSERT_NE(from, std::string::npos) << wire;
    wire.replace(from, std::string("From: Alice <alice@a.example>").size(),
                 "From: <mallory@evil.example>");
    auto got = b_.run("mallory@evil.example", "bob@b.example", wire);
    ASSERT_FALSE(got) << "delivered with From: " << header(got->front().data, "From");
    EXPECT_EQ(got.error().code, 550);
}

TEST_F(SigningTest, PersonalSignatureFromAnUnknownDomainIsKept) {
    // Signed by A's own certificate, but from a domain B has no record of: not B's business to
    // remove; judged invalid as a domain signature.
    set_a_signs(SignMode::sign, EncryptMode::none, {Method::smime});
    auto sent = a_.run("alice@a.example", "bob@b.example", kMessage);
    ASSERT_TRUE(sent);
    ASSERT_TRUE(b_.store->remove_domain("a.example"));
    auto got = b_.run("alice@a.example", "bob@b.example", sent->front().data);
    ASSERT_TRUE(got) << got.error().reason;
    EXPECT_TRUE(got->front().outcome.signature.starts_with("invalid; reason=\"no certificate"))
        << got->front().outcome.signature;
    EXPECT_TRUE(has(header(got->front().data, "Content-Type"), "multipart/signed"));
}

TEST_F(SigningTest, OutboundInfoHeaderIsOnlyWhereASignatureWasAsked) {
    // To a domain without a record nothing is signed, nothing said.
    auto sent = a_.run("alice@a.example", "carol@c.example", kMessage);
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->front().outcome.signature, "");
    EXPECT_EQ(header(sent->front().data, "X-Sealgate-Signature"), "");
    EXPECT_EQ(without_info(sent->front().data), kMessage);
}

TEST(TransportSafe, ReencodesEightBitLeavesAndLeavesSignaturesAlone) {
    const std::string inner_signed =
        "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; "
        "boundary=\"s\"\r\n\r\n--s\r\nContent-Type: text/plain\r\n\r\n\xe4\r\n--s\r\n"
        "Content-Type: application/pgp-signature\r\n\r\nsig\r\n--s--\r\n";
    const std::string payload =
        "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\npreamble\r\n--b\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "\xc3\xa4 trailing \r\n--b\r\n"
        "Content-Type: application/octet-stream\r\n\r\n\x01\x80\x02\r\n--b\r\n"
        "Content-Type: message/rfc822\r\n\r\nSubject: fwd\r\nContent-Type: text/plain\r\n\r\n"
        "\xf6\r\n--b\r\n" +
        inner_signed +
        "--b\r\nContent-Type: text/plain\r\n\r\nplain ascii\r\n--b--\r\nepilogue\r\n";
    const std::string safe = pipeline::transport_safe(payload);
    EXPECT_TRUE(has(safe, "Content-Transfer-Encoding: quoted-printable\r\n\r\n=C3=A4 trailing=20"))
        << safe;
    EXPECT_TRUE(has(safe, "Content-Transfer-Encoding: base64\r\n\r\nAYAC\r\n")) << safe;
    EXPECT_TRUE(has(safe,
                    "Subject: fwd\r\nContent-Type: text/plain\r\n"
                    "Content-Transfer-Encoding: quoted-printable\r\n\r\n=F6"))
        << safe;
    EXPECT_TRUE(has(safe, inner_signed)) << "someone else's signed bytes stay";
    EXPECT_TRUE(has(safe, "Content-Type: text/plain\r\n\r\nplain ascii\r\n--b--\r\nepilogue"));
    EXPECT_TRUE(safe.starts_with("Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\npreamble"));
    // 7-bit already: the same bytes.
    const std::string ascii = "Content-Type: text/plain\r\n\r\nhello\r\n";
    EXPECT_EQ(pipeline::transport_safe(ascii), ascii);
}

TEST(SignatureVerdict, HeaderForms) {
    using V = pipeline::SignatureVerdict;
    EXPECT_EQ((V{V::State::valid, "pgp", "ab12", ""}).header(), "valid; signer=ab12; method=pgp");
    EXPECT_EQ((V{V::State::invalid, "smime", "", "the \"content\" was modified"}).header(),
              "invalid; reason=\"the \\\"content\\\" was modified\"");
    EXPECT_EQ((V{V::State::invalid, "smime", "cd34", "expired"}).header(),
              "invalid; reason=\"expired\"; signer=cd34");
    EXPECT_EQ(V{}.header(), "none");
}

}  // namespace
}  // namespace sealgate
