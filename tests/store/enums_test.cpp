#include <gtest/gtest.h>

#include "model/records.hpp"

namespace sealgate {
namespace {

TEST(StoreEnums, RoundTrip) {
    for (const auto m : {EncryptMode::none, EncryptMode::opportunistic, EncryptMode::mandatory})
        EXPECT_EQ(parse_encrypt_mode(to_string(m)), m);
    for (const auto p : {SmimeProfile::compat, SmimeProfile::modern})
        EXPECT_EQ(parse_smime_profile(to_string(p)), p);
    for (const auto a : {CtlAction::trust, CtlAction::block})
        EXPECT_EQ(parse_ctl_action(to_string(a)), a);
    for (const auto d : {Direction::inbound, Direction::outbound, Direction::relay})
        EXPECT_EQ(parse_direction(to_string(d)), d);
    for (const auto a : {CopyAction::encrypted, CopyAction::decrypted, CopyAction::passed,
                         CopyAction::rejected, CopyAction::deferred})
        EXPECT_EQ(parse_copy_action(to_string(a)), a);
    EXPECT_EQ(to_string(EncryptMode::opportunistic), "opportunistic");
    EXPECT_EQ(to_string(Method::pgp), "pgp");
}

// The mail log's columns and `sealgate log` print these texts: they never change.
TEST(StoreEnums, CopyOutcomesKeepTheirText) {
    EXPECT_EQ(to_string(Direction::inbound), "inbound");
    EXPECT_EQ(to_string(Direction::outbound), "outbound");
    EXPECT_EQ(to_string(Direction::relay), "relay");
    EXPECT_EQ(to_string(CopyAction::encrypted), "encrypted");
    EXPECT_EQ(to_string(CopyAction::decrypted), "decrypted");
    EXPECT_EQ(to_string(CopyAction::passed), "passed");
    EXPECT_EQ(to_string(CopyAction::rejected), "rejected");
    EXPECT_EQ(to_string(CopyAction::deferred), "deferred");
}

TEST(StoreEnums, RejectsUnknownText) {
    EXPECT_FALSE(parse_encrypt_mode("Mandatory"));
    EXPECT_FALSE(parse_smime_profile(""));
    EXPECT_FALSE(parse_ctl_action("allow"));
    EXPECT_FALSE(parse_direction("Inbound"));
    EXPECT_FALSE(parse_direction(""));
    EXPECT_FALSE(parse_copy_action("pass"));
    EXPECT_FALSE(parse_copy_action(""));
}

TEST(StoreEnums, MethodsKeepOrder) {
    EXPECT_EQ(parse_methods("smime"), std::vector<Method>{Method::smime});
    EXPECT_EQ(parse_methods("pgp,smime"), (std::vector<Method>{Method::pgp, Method::smime}));
    EXPECT_EQ(parse_methods("smime,pgp"), (std::vector<Method>{Method::smime, Method::pgp}));
    EXPECT_FALSE(parse_methods(""));
    EXPECT_FALSE(parse_methods("smime,"));
    EXPECT_FALSE(parse_methods("smime,smime"));
    EXPECT_FALSE(parse_methods("smime, pgp"));
    EXPECT_EQ(methods_to_string({Method::pgp, Method::smime}), "pgp,smime");
    EXPECT_EQ(methods_to_string({}), "");
}

}  // namespace
}  // namespace sealgate
