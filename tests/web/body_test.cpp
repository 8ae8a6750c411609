#include <gtest/gtest.h>

#include "web/body.hpp"
#include "web/reply.hpp"

namespace sealgate::web {
namespace {

Answer<Fields> parse(std::string_view body) {
    return Fields::parse("application/json; charset=utf-8", body, {"name", "local", "list", "n"});
}

TEST(Fields, ReadsTheFieldsItIsGiven) {
    auto f = parse(R"({"name": "x.example", "local": true, "list": ["a", "b"], "n": 7})");
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_EQ(*f->string("name"), "x.example");
    EXPECT_EQ(**f->optional_bool("local"), true);
    EXPECT_EQ(**f->optional_strings("list"), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(**f->optional_int("n", 0, 10), 7);
}

TEST(Fields, NullAndAbsentAreNotGiven) {
    auto f = parse(R"({"name": null})");
    ASSERT_TRUE(f);
    EXPECT_FALSE(f->has("name"));
    EXPECT_FALSE(*f->optional_string("name"));
    EXPECT_FALSE(*f->optional_bool("local"));
    const auto required = f->string("name");
    ASSERT_FALSE(required);
    EXPECT_EQ(required.error().message, "field \"name\" is required");
}

TEST(Fields, RefusesWhatIsNotAnObjectOfKnownFields) {
    struct Case {
        const char* body;
        const char* message;
    };
    for (const Case& c : {
             Case{"{", "the body is not valid JSON"},
             Case{"", "the body is not valid JSON"},
             Case{"{} {}", "the body is not valid JSON"},
             Case{"[]", "the body must be a JSON object"},
             Case{"\"x\"", "the body must be a JSON object"},
             Case{R"({"name": "x", "colour": 1})", "unknown field \"colour\""},
             Case{R"({"list": [[[[[[[[[["deep"]]]]]]]]]]})",
                  "the JSON body is nested deeper than 8"},
         }) {
        const auto f = parse(c.body);
        ASSERT_FALSE(f) << c.body;
        EXPECT_EQ(f.error().status, 400) << c.body;
        EXPECT_EQ(f.error().code, "bad_input");
        EXPECT_EQ(f.error().message, c.message) << c.body;
    }
}

TEST(Fields, WrongTypesNameTheFieldAndTheType) {
    auto f = parse(R"({"name": 1, "local": "yes", "list": ["a", 2], "n": 1.5})");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->string("name").error().message, "field \"name\" must be a string");
    EXPECT_EQ(f->optional_bool("local").error().message, "field \"local\" must be true or false");
    EXPECT_EQ(f->optional_strings("list").error().message,
              "field \"list\" must be a list of strings");
    EXPECT_EQ(f->optional_int("n", 0, 10).error().message,
              "field \"n\" must be an integer from 0 to 10");
    auto big = parse(R"({"n": 18446744073709551615})");
    ASSERT_TRUE(big);
    EXPECT_FALSE(big->optional_int("n", 0, 65536));
    auto negative = parse(R"({"n": -1})");
    EXPECT_FALSE(negative->optional_int("n", 0, 65536));
}

TEST(Fields, RefusesADuplicateKeyNamingIt) {
    for (const char* body : {
             R"({"name": "a.example", "name": "b.example"})",
             R"({"name": "a.example", "local": true, "name": "a.example"})",
             R"({"list": [{"x": 1, "x": 2}], "name": "a.example"})",
         }) {
        auto f = parse(body);
        ASSERT_FALSE(f) << body;
        EXPECT_EQ(f.error().status, 400);
        EXPECT_NE(f.error().message.find("is given more than once"), std::string::npos);
    }
    auto f = parse(R"({"name": "a.example", "name": "b.example"})");
    EXPECT_EQ(f.error().message, "field \"name\" is given more than once");
    // The same key in different objects is no duplicate.
    auto nested =
        Fields::parse("application/json", R"({"a": {"k": 1}, "b": {"k": 2}})", {"a", "b"});
    EXPECT_TRUE(nested) << nested.error().message;
}

TEST(Fields, OnlyJson) {
    const auto f = Fields::parse("text/plain", "{}", {});
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error().status, 415);
    EXPECT_EQ(f.error().code, "unsupported_media_type");
    EXPECT_TRUE(Fields::parse("Application/JSON ; charset=utf-8", "{}", {}));
}

TEST(Refusal, ErrorKindsMapToTheTableOfTheApi) {
    EXPECT_EQ(to_refusal(Error::bad_input("x")).status, 400);
    EXPECT_EQ(to_refusal(Error::usage("x")).status, 400);
    EXPECT_EQ(to_refusal(Error::not_found("x")).status, 404);
    EXPECT_EQ(to_refusal(Error::conflict("x")).code, "conflict");
    EXPECT_EQ(to_refusal(Error::ambiguous("x")).code, "ambiguous");
    EXPECT_EQ(to_refusal(Error::ambiguous("x")).status, 409);
    EXPECT_EQ(to_refusal(Error::unusable("x")).status, 422);
    EXPECT_EQ(to_refusal(Error::temp("x")).status, 503);
    EXPECT_EQ(to_refusal(Error::internal("x")).status, 500);
    const auto forced = to_refusal(Error::needs_force("certificate is blocked"));
    EXPECT_EQ(forced.status, 409);
    EXPECT_EQ(forced.code, "needs_force");
    EXPECT_EQ(forced.message, "certificate is blocked (repeat with ?force=true to do it anyway)");
    EXPECT_EQ(error_body(forced),
              R"j({"error":{"code":"needs_force","message":"certificate is blocked (repeat with )j"
              R"j(?force=true to do it anyway)"}})j");
}

}  // namespace
}  // namespace sealgate::web
