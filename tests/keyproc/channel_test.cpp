// One channel of the key process (keyproc/server.hpp serve_channel) over a socketpair, with a
// fake Keys: a request is answered, an error travels back as the Error, and a malformed request
// is refused, logged and the channel closed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "keyproc/channel.hpp"
#include "keyproc/protocol.hpp"
#include "keyproc/server.hpp"

namespace sealgate::keyproc {
namespace {

class FakeKeys final : public keystore::Keys {
  public:
    int refreshes = 0;
    Result<std::optional<keystore::SmimeDecrypted>> smime_decrypt(std::string ber) override {
        if (ber == "ours")
            return std::optional<keystore::SmimeDecrypted>{
                keystore::SmimeDecrypted{"entity", "sha", "aes256-gcm"}};
        return std::optional<keystore::SmimeDecrypted>{};
    }
    Result<std::optional<openpgp::Decrypted>> pgp_decrypt(std::string_view,
                                                          std::span<const std::string>) override {
        return fail(Error::bad_input("corrupt OpenPGP message"));
    }
    Result<std::string> smime_sign_entity(std::string_view, std::string_view,
                                          const std::vector<crypto::Certificate>&,
                                          crypto::CmsProfile) override {
        return fail(Error::not_found("no key"));
    }
    Result<std::string> pgp_sign_entity(std::string_view fpr, std::string_view entity) override {
        return "sig(" + std::string(fpr) + "," + std::string(entity) + ")";
    }
    Status refresh() override {
        ++refreshes;
        return ok();
    }
    Status add_smime_key(const crypto::Certificate&, const crypto::PrivateKey&) override {
        return fail(Error::internal("unused"));
    }
    Result<crypto::Certificate> renew_smime(const crypto::Certificate&, bool, int) override {
        return fail(Error::internal("unused"));
    }
    // What a key holder would answer: the key process must refuse before it asks.
    Result<std::string> export_smime_pkcs12(const crypto::Certificate&,
                                            const std::vector<crypto::Certificate>&,
                                            std::string_view) override {
        return std::string("PKCS12 WITH THE PRIVATE KEY");
    }
    Result<std::string> seal_pgp_secret(std::string_view, std::string_view) override {
        return fail(Error::internal("unused"));
    }
    Result<std::string> unseal_pgp_secret(std::string_view, std::string_view) override {
        return std::string("THE SECRET KEY");
    }
    Result<keystore::PgpSecretChanged> change_pgp_secret(
        std::string_view fpr, std::string_view sealed,
        const keystore::PgpSecretChange& change) override {
        keystore::PgpSecretChanged out;
        out.fingerprint = std::string(fpr);
        out.public_key = "public";
        out.sealed_secret = "resealed(" + std::string(sealed) + ")";
        out.encryption_key = change.kind == keystore::PgpSecretChange::Kind::add_subkey &&
                                     change.expires_seconds == 3600
                                 ? "subkey"
                                 : "";
        return out;
    }
    Result<std::string> seal_secret(std::string_view name, std::string_view s) override {
        return std::string(name) + ":" + std::string(s);
    }
    Result<std::string> unseal_secret(std::string_view, std::string_view) override {
        return fail(Error::internal("unused"));
    }
    Result<std::string> smime_sign(std::string_view, std::string_view) override {
        return fail(Error::internal("unused"));
    }
    Result<std::string> pgp_sign(std::string_view, std::string_view) override {
        return fail(Error::internal("unused"));
    }
};

class Channel : public ::testing::Test {
  protected:
    void SetUp() override {
        int sv[2];
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        client_.reset(sv[0]);
        server_fd_ = sv[1];
        options_.max_body = 4096;
        server_ = std::thread([this] {
            serve_channel(server_fd_, keys_, options_);
            ::close(server_fd_);
        });
    }
    void TearDown() override {
        client_.reset();
        server_.join();
    }
    Result<std::vector<std::string>> call(const std::string& frame) {
        auto sent = write_frame(client_.get(), frame);
        if (!sent)
            return fail(sent.error());
        auto reply = read_frame(client_.get(), options_.max_body, false, 10000);
        if (!reply)
            return fail(reply.error());
        return decode_reply(reply->header, reply->body);
    }
    // True when the server closed its end: a read gives EOF, or ECONNRESET when the server left
    // part of the refused frame unread (AF_UNIX reports that to the peer).
    bool closed_by_server() {
        char c = 0;
        const ssize_t n = ::recv(client_.get(), &c, 1, 0);
        return n == 0 || (n < 0 && errno == ECONNRESET);
    }

    FakeKeys keys_;
    ServerOptions options_;
    Fd client_;
    int server_fd_ = -1;
    std::thread server_;
};

TEST_F(Channel, AnswersRequestsInTurn) {
    auto r = call(encode_request(Op::smime_decrypt, std::vector<std::string>{"ours"}));
    ASSERT_TRUE(r) << r.error().reason;
    EXPECT_EQ(*r, (std::vector<std::string>{"entity", "sha", "aes256-gcm"}));
    r = call(encode_request(Op::smime_decrypt, std::vector<std::string>{"not ours"}));
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->empty());
    r = call(encode_request(Op::pgp_sign_entity, std::vector<std::string>{"F", "E"}));
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, std::vector<std::string>{"sig(F,E)"});
    r = call(encode_request(Op::refresh, std::vector<std::string>{}));
    ASSERT_TRUE(r);
    EXPECT_EQ(keys_.refreshes, 1);
}

TEST_F(Channel, ErrorsTravelAsErrors) {
    auto r = call(encode_request(Op::pgp_decrypt, std::vector<std::string>{"junk"}));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::bad_input);
    EXPECT_EQ(r.error().reason, "corrupt OpenPGP message");
    // The channel stays open after an error of the operation.
    r = call(encode_request(Op::seal_secret, std::vector<std::string>{"n", "s"}));
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, std::vector<std::string>{"n:s"});
}

TEST_F(Channel, PrivateKeysDoNotLeaveTheKeyProcess) {
    // Whoever asks on a channel: a serve process taken over must not collect the keys.
    auto r = call(encode_request(Op::unseal_pgp_secret, std::vector<std::string>{"fpr", "sealed"}));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::unusable);
    EXPECT_THAT(r.error().reason, ::testing::HasSubstr("sealgate pgp export --secret"));
    r = call(encode_request(Op::export_smime_pkcs12, std::vector<std::string>{"cert", "pw"}));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::unusable);
    EXPECT_THAT(r.error().reason, ::testing::HasSubstr("sealgate cert export --pkcs12"));
    // A refusal, not a broken channel.
    r = call(encode_request(Op::seal_secret, std::vector<std::string>{"n", "s"}));
    ASSERT_TRUE(r);
}

TEST_F(Channel, OpenPgpSecretChangesComeBackSealed) {
    auto r = call(
        encode_request(Op::change_pgp_secret,
                       std::vector<std::string>{"fpr", "sealed", "add_subkey", "3600", "retired"}));
    ASSERT_TRUE(r) << r.error().reason;
    EXPECT_EQ(*r, (std::vector<std::string>{"fpr", "public", "resealed(sealed)", "subkey"}));
    for (const auto& bad : {std::vector<std::string>{"f", "s", "export", "0", "retired"},
                            std::vector<std::string>{"f", "s", "revoke", "-1", "retired"},
                            std::vector<std::string>{"f", "s", "revoke", "99999999999", "retired"},
                            std::vector<std::string>{"f", "s", "revoke", "0", "stolen"}}) {
        r = call(encode_request(Op::change_pgp_secret, bad));
        ASSERT_FALSE(r) << bad[2] << " " << bad[3] << " " << bad[4];
        EXPECT_EQ(r.error().kind, ErrorKind::bad_input);
    }
}

TEST_F(Channel, WrongVersionIsRefusedLoggedAndClosed) {
    std::string frame = encode_request(Op::refresh, std::vector<std::string>{});
    frame[2] = 9;
    ::testing::internal::CaptureStderr();
    auto r = call(frame);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::bad_input);
    EXPECT_TRUE(closed_by_server());
    TearDown();
    const std::string log = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(log.find("refused a malformed request"), std::string::npos) << log;
    EXPECT_NE(log.find("version 9"), std::string::npos) << log;
    EXPECT_EQ(keys_.refreshes, 0);
    SetUp();
}

TEST_F(Channel, UnknownOpIsRefused) {
    std::string frame = encode_request(Op::refresh, std::vector<std::string>{});
    frame[3] = 99;
    auto r = call(frame);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().reason.find("unknown op 99"), std::string::npos);
    EXPECT_TRUE(closed_by_server());
}

TEST_F(Channel, OversizedIsRefusedUnread) {
    const std::string frame =
        encode_request(Op::smime_decrypt, std::vector<std::string>{std::string(5000, 'x')});
    // The server refuses on the header and closes; the rest of the frame may not be written.
    (void)write_frame(client_.get(), frame.substr(0, header_size));
    auto reply = read_frame(client_.get(), options_.max_body, false, 10000);
    ASSERT_TRUE(reply);
    auto r = decode_reply(reply->header, reply->body);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().reason.find("at most 4096"), std::string::npos) << r.error().reason;
    EXPECT_TRUE(closed_by_server());
}

TEST_F(Channel, WrongFieldCountIsRefused) {
    auto r = call(encode_request(Op::seal_secret, std::vector<std::string>{"one"}));
    ASSERT_FALSE(r);
    EXPECT_TRUE(closed_by_server());
}

TEST_F(Channel, TruncatedFrameThenCloseIsQuiet) {
    const std::string frame = encode_request(Op::seal_secret, std::vector<std::string>{"n", "s"});
    ASSERT_TRUE(write_frame(client_.get(), frame.substr(0, frame.size() - 3)));
    ::testing::internal::CaptureStderr();
    client_.reset();  // the client went away mid-frame: nothing to answer, nothing served
    server_.join();
    const std::string log = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(log, "");
    SetUp();  // TearDown joins a thread again
}

}  // namespace
}  // namespace sealgate::keyproc
