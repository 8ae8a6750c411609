// libFuzzer entry point for the mime parsers: to_crlf → Entity::parse → content_entity →
// parse_content_type → split_multipart (→ each part parsed again), plus base64 round trips.
// Invariants that must hold on every input abort the process, so that the fuzzer reports them;
// the saved corpus in tests/data/mime/corpus replays through this same function in ctest
// (fuzz_replay_test.cpp). Build for fuzzing with clang: -fsanitize=fuzzer,address.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "mime/base64.hpp"
#include "mime/entity.hpp"

namespace {

void check(bool condition) {
    if (!condition)
        std::abort();
}

void exercise_entity(std::string data, int depth) {
    auto e = sealgate::mime::Entity::parse(data);
    if (!e) {
        check(!e.error().reason.empty());
        return;
    }
    check(e->serialize() == data);  // unmodified entity: the exact input bytes
    check(e->size() == data.size());
    const std::string inner = e->content_entity();
    auto reparsed = sealgate::mime::Entity::parse(inner);
    check(!inner.empty() && reparsed.has_value() && reparsed->body() == e->body());

    // Encrypt and decrypt rebuilds (the payload stands in for the ciphertext): the inner entity
    // comes back byte for byte.
    sealgate::mime::Entity outer = *e;
    check(outer.take_content_entity() == inner);
    outer.set_base64_content("application/pkcs7-mime; smime-type=enveloped-data", "attachment",
                             inner);
    outer.append("X-Sealgate-Encrypted", "smime; cert=00; alg=aes256-cbc");
    const std::string wire = outer.serialize();
    check(std::move(outer).serialize() == wire);
    auto received = sealgate::mime::Entity::parse(wire);
    check(received.has_value());
    auto payload = sealgate::mime::base64_decode(received->body());
    check(payload.has_value() && *payload == inner);
    received->remove_prefix("X-Sealgate-");
    received->replace_content(std::move(*reparsed));
    check(received->content_entity() == inner);

    auto ct = sealgate::mime::parse_content_type(e->get("Content-Type").value_or("text/plain"));
    if (!ct)
        return;
    const auto boundary = ct->param("boundary");
    if (ct->type == "multipart" && boundary && !boundary->empty()) {
        auto parts = sealgate::mime::split_multipart(e->body(), *boundary);
        if (parts && depth < 3)
            for (const auto part : *parts)
                exercise_entity(std::string(part), depth + 1);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(bytes), size);
    const std::string canonical = sealgate::mime::to_crlf(input);
    check(sealgate::mime::to_crlf(canonical) == canonical);  // idempotent
    exercise_entity(canonical, 0);

    const std::string encoded = sealgate::mime::base64_encode(input);
    auto decoded = sealgate::mime::base64_decode(encoded);
    check(decoded.has_value() && *decoded == input);
    (void)sealgate::mime::base64_decode(input);  // arbitrary text: must not crash
    return 0;
}
