// The key process's frame format (keyproc/protocol.hpp): what decodes, and every way a frame is
// refused — truncated, oversized, wrong magic or version, unknown op, wrong field count.
#include "keyproc/protocol.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sealgate::keyproc {
namespace {

constexpr std::size_t kMax = 1 << 20;

Result<Request> decode(const std::string& frame, std::size_t max_body = kMax) {
    auto header = decode_header(frame, max_body, true);
    if (!header)
        return fail(header.error());
    if (frame.size() - header_size != header->length)
        return fail(Error::bad_input("test: body length mismatch"));
    return decode_request(*header, std::string_view(frame).substr(header_size));
}

TEST(KeyprocProtocol, RequestRoundTrip) {
    const std::vector<std::string> fields{"fingerprint", std::string("da\0ta\r\n", 7), ""};
    const std::string frame = encode_request(Op::pgp_decrypt, fields);
    auto rq = decode(frame);
    ASSERT_TRUE(rq) << rq.error().reason;
    EXPECT_EQ(rq->op, Op::pgp_decrypt);
    EXPECT_EQ(rq->fields, fields);
}

TEST(KeyprocProtocol, ReplyAndErrorRoundTrip) {
    const std::vector<std::string> fields{"signature"};
    const std::string ok_frame = encode_reply(fields);
    auto h = decode_header(ok_frame, kMax, false);
    ASSERT_TRUE(h);
    auto r = decode_reply(*h, std::string_view(ok_frame).substr(header_size));
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, fields);

    const Error sent = Error::not_found("no private key held for certificate ab");
    const std::string err_frame = encode_error(sent);
    h = decode_header(err_frame, kMax, false);
    ASSERT_TRUE(h);
    auto e = decode_reply(*h, std::string_view(err_frame).substr(header_size));
    ASSERT_FALSE(e);
    EXPECT_EQ(e.error().kind, ErrorKind::not_found);
    EXPECT_EQ(e.error().reason, sent.reason);
    EXPECT_EQ(e.error().code, sent.code);
    EXPECT_EQ(e.error().status, sent.status);
}

TEST(KeyprocProtocol, TruncatedHeaderAndBody) {
    const std::string frame = encode_request(Op::seal_secret, std::vector<std::string>{"n", "s"});
    EXPECT_FALSE(decode_header(frame.substr(0, header_size - 1), kMax, true));
    for (std::size_t cut = 1; cut < frame.size() - header_size; ++cut) {
        const std::string body = frame.substr(header_size, frame.size() - header_size - cut);
        auto f = decode_fields(body);
        EXPECT_FALSE(f) << "cut " << cut;
    }
    // Trailing octets after the last field.
    EXPECT_FALSE(decode_fields(frame.substr(header_size) + "x"));
}

TEST(KeyprocProtocol, Oversized) {
    const std::string frame =
        encode_request(Op::smime_decrypt, std::vector<std::string>{std::string(100, 'x')});
    auto h = decode_header(frame, 50, true);
    ASSERT_FALSE(h);
    EXPECT_EQ(h.error().kind, ErrorKind::bad_input);
    EXPECT_NE(h.error().reason.find("at most 50"), std::string::npos) << h.error().reason;
    // A field count beyond the bound is refused before anything is allocated for it.
    std::string body("\xff\xff\xff\xff", 4);
    EXPECT_FALSE(decode_fields(body));
    // The bound grows with the message size limit.
    EXPECT_GT(max_body_for(50u << 20), 50u << 20);
}

TEST(KeyprocProtocol, WrongVersionAndMagic) {
    std::string frame = encode_request(Op::refresh, std::vector<std::string>{});
    std::string wrong_version = frame;
    wrong_version[2] = 2;
    auto h = decode_header(wrong_version, kMax, true);
    ASSERT_FALSE(h);
    EXPECT_NE(h.error().reason.find("version 2"), std::string::npos) << h.error().reason;
    std::string wrong_magic = frame;
    wrong_magic[0] = 'X';
    EXPECT_FALSE(decode_header(wrong_magic, kMax, true));
}

TEST(KeyprocProtocol, UnknownOp) {
    std::string frame = encode_request(Op::refresh, std::vector<std::string>{});
    for (const int kind : {0, 16, 200, 255}) {
        frame[3] = static_cast<char>(kind);
        auto h = decode_header(frame, kMax, true);
        ASSERT_FALSE(h) << kind;
        EXPECT_NE(h.error().reason.find("unknown op"), std::string::npos);
    }
    // A reply kind other than ok/error.
    std::string reply = encode_reply(std::vector<std::string>{});
    reply[3] = 7;
    EXPECT_FALSE(decode_header(reply, kMax, false));
}

TEST(KeyprocProtocol, WrongFieldCount) {
    // seal_secret takes exactly two fields; smime_sign_entity at least three.
    EXPECT_FALSE(decode(encode_request(Op::seal_secret, std::vector<std::string>{"only"})));
    EXPECT_FALSE(decode(encode_request(Op::seal_secret, std::vector<std::string>{"a", "b", "c"})));
    EXPECT_FALSE(decode(encode_request(Op::smime_sign_entity, std::vector<std::string>{"a", "b"})));
    EXPECT_TRUE(decode(encode_request(Op::smime_sign_entity,
                                      std::vector<std::string>{"a", "b", "compat", "c1", "c2"})));
}

TEST(KeyprocProtocol, UnreadableErrorReplyIsTemporary) {
    // An error reply whose fields are not an Error: the caller defers (4xx), never trusts it.
    const std::string frame = encode_reply(std::vector<std::string>{"x"});
    Header h{1, static_cast<std::uint32_t>(frame.size() - header_size)};
    auto r = decode_reply(h, std::string_view(frame).substr(header_size));
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().temporary());
}

}  // namespace
}  // namespace sealgate::keyproc
