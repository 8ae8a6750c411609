// The bounded GET (fetch/http_get.hpp) and the CRL refresh (admin/crl_refresh.hpp) against a
// local HTTP server: a partner certificate whose distribution point is that server, CRLs made by
// its CA with openssl(1), and one made by another key under the same CA name.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>

#include "admin/crl_refresh.hpp"
#include "crypto/certificate.hpp"
#include "fetch/http_get.hpp"
#include "fixture.hpp"
#include "local_http.hpp"

namespace sealgate::admin {
namespace {

TEST(HttpGet, NotFoundNamesTheStatus) {
    test::LocalHttp http;
    auto got = fetch::http_get(http.url("/missing.crl"));
    ASSERT_FALSE(got);
    EXPECT_NE(got.error().reason.find("404"), std::string::npos) << got.error().reason;
    EXPECT_EQ(got.error().kind, ErrorKind::temporary);
}

TEST(HttpGet, BodyOverTheCapIsRefused) {
    test::LocalHttp http;
    http.serve("/big.crl", 200, std::string(4096, 'x'));
    fetch::Limits limits;
    limits.max_bytes = 1000;
    auto got = fetch::http_get(http.url("/big.crl"), limits);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().kind, ErrorKind::bad_input) << got.error().reason;
    // Under the cap the same server answers.
    limits.max_bytes = 8192;
    auto small = fetch::http_get(http.url("/big.crl"), limits);
    ASSERT_TRUE(small) << small.error().reason;
    EXPECT_EQ(small->size(), 4096u);
}

TEST(HttpGet, OtherSchemesAreNotFetched) {
    auto got = fetch::http_get("file:///etc/passwd");
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().kind, ErrorKind::bad_input);
}

// A CA, a partner certificate naming http://127.0.0.1:PORT/ca.crl, and CRLs: ca-1.crl and
// ca-2.crl (cRLNumber 1 and 2, current), other.crl (same issuer name, another key).
class CrlRefreshTest : public AdminTest {
  protected:
    void SetUp() override {
        AdminTest::SetUp();
        const std::string cdp = http_.url("/ca.crl");
        const std::string script = R"(set -e
q() { "$@" >>pki.log 2>&1; }
for ca in ca other; do
  q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $ca.key \
    -out $ca.crt -subj "/CN=Partner Test CA" -days 30 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
done
q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout p.key -out p.csr \
  -subj "/CN=bob/emailAddress=bob@partner.example"
printf 'crlDistributionPoints=URI:%s\nsubjectAltName=email:bob@partner.example\n' ")" +
                                   cdp + R"(" > ext.cnf
q openssl x509 -req -in p.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out p.crt -days 30 \
  -extfile ext.cnf
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\ncrlnumber=crlnumber\ndefault_md=sha256\n' > ca.cnf
: > index.txt; echo 01 > crlnumber
q openssl ca -config ca.cnf -keyfile ca.key -cert ca.crt -gencrl -crldays 2 -out ca-1.crl
q openssl ca -config ca.cnf -keyfile ca.key -cert ca.crt -gencrl -crldays 2 -out ca-2.crl
q openssl ca -config ca.cnf -keyfile other.key -cert other.crt -gencrl -crldays 2 -out other.crl
)";
        dir_.write("pki.sh", script);
        const std::string cmd = "cd '" + dir_.path().string() + "' && sh pki.sh";
        ASSERT_EQ(std::system(cmd.c_str()), 0) << dir_.read("pki.log");
        auto ca = crypto::Certificate::read(dir_.read("ca.crt"));
        auto partner = crypto::Certificate::read(dir_.read("p.crt"));
        ASSERT_TRUE(ca && partner);
        ASSERT_EQ(partner->crl_distribution_points().size(), 1u);
        // The CA among the stored certificates: what a fetched CRL must verify against.
        ASSERT_TRUE(real_->put_certificate(CertRecord{ca->sha256(), ca->der(), false, 1}));
        ASSERT_TRUE(
            real_->put_certificate(CertRecord{partner->sha256(), partner->der(), false, 1}));
    }

    Result<std::vector<CrlRefreshOutcome>> refresh(bool force = false) {
        CrlRefreshOptions options;
        options.force = force;
        options.service_mutex = &mutex_;
        return refresh_crls(service(), options, std::time(nullptr));
    }
    std::size_t stored_crls() { return value_of(real_->list_crls()).size(); }
    CrlSource source() {
        auto all = value_of(service().crl_sources(std::time(nullptr)));
        EXPECT_EQ(all.size(), 1u);
        return all.empty() ? CrlSource{} : all.front();
    }

    test::LocalHttp http_;
    std::mutex mutex_;
};

TEST_F(CrlRefreshTest, NotFoundIsRecordedAsAFailedFetch) {
    auto done = refresh();
    ASSERT_TRUE(done) << done.error().reason;
    ASSERT_EQ(done->size(), 1u);
    EXPECT_FALSE(done->front().ok);
    EXPECT_NE(done->front().detail.find("404"), std::string::npos) << done->front().detail;
    EXPECT_EQ(stored_crls(), 0u);
    const auto s = source();
    ASSERT_TRUE(s.last_fetch);
    EXPECT_NE(s.last_fetch->last_error.find("404"), std::string::npos);
}

TEST_F(CrlRefreshTest, NotACrlIsRefusedAndRecorded) {
    http_.serve("/ca.crl", 200, "<html>captive portal</html>");
    auto done = refresh();
    ASSERT_TRUE(done) << done.error().reason;
    ASSERT_EQ(done->size(), 1u);
    EXPECT_FALSE(done->front().ok);
    EXPECT_EQ(stored_crls(), 0u);
    const auto s = source();
    ASSERT_TRUE(s.last_fetch);
    EXPECT_FALSE(s.last_fetch->last_error.empty());
    EXPECT_TRUE(s.due);
}

TEST_F(CrlRefreshTest, CrlOfAnotherKeyIsRefusedAndNothingStored) {
    http_.serve("/ca.crl", 200, dir_.read("other.crl"));
    const auto before = audit_count();
    auto done = refresh();
    ASSERT_TRUE(done) << done.error().reason;
    ASSERT_EQ(done->size(), 1u);
    EXPECT_FALSE(done->front().ok);
    EXPECT_NE(done->front().detail.find("does not verify"), std::string::npos)
        << done->front().detail;
    EXPECT_EQ(stored_crls(), 0u);
    EXPECT_EQ(audit_count(), before);
}

TEST_F(CrlRefreshTest, CurrentCrlIsNotFetchedAgainUntilDueUnlessForced) {
    http_.serve("/ca.crl", 200, dir_.read("ca-1.crl"));
    auto first = refresh();
    ASSERT_TRUE(first) << first.error().reason;
    ASSERT_EQ(first->size(), 1u);
    EXPECT_TRUE(first->front().ok) << first->front().detail;
    EXPECT_TRUE(first->front().stored);
    EXPECT_EQ(stored_crls(), 1u);
    EXPECT_EQ(http_.gets("/ca.crl"), 1);
    EXPECT_FALSE(source().due);  // its nextUpdate is two days away

    auto again = refresh();
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->empty());
    EXPECT_EQ(http_.gets("/ca.crl"), 1);

    auto forced = refresh(true);
    ASSERT_TRUE(forced);
    ASSERT_EQ(forced->size(), 1u);
    EXPECT_TRUE(forced->front().ok);
    EXPECT_FALSE(forced->front().stored);  // the same CRL: not newer
    EXPECT_EQ(http_.gets("/ca.crl"), 2);
}

TEST_F(CrlRefreshTest, NewerReplacesOlderAndOlderDoesNot) {
    http_.serve("/ca.crl", 200, dir_.read("ca-1.crl"));
    ASSERT_TRUE(refresh(true));
    http_.serve("/ca.crl", 200, dir_.read("ca-2.crl"));
    auto newer = refresh(true);
    ASSERT_TRUE(newer);
    ASSERT_EQ(newer->size(), 1u);
    EXPECT_TRUE(newer->front().stored) << newer->front().detail;
    const auto after_newer = value_of(real_->list_crls());
    ASSERT_EQ(after_newer.size(), 1u);
    const auto second = crypto::Crl::read(dir_.read("ca-2.crl"));
    ASSERT_TRUE(second);
    EXPECT_EQ(after_newer.front().der, second->der());

    http_.serve("/ca.crl", 200, dir_.read("ca-1.crl"));
    auto older = refresh(true);
    ASSERT_TRUE(older);
    ASSERT_EQ(older->size(), 1u);
    EXPECT_TRUE(older->front().ok);
    EXPECT_FALSE(older->front().stored);
    EXPECT_EQ(older->front().detail, "not newer than the stored CRL");
    const auto after_older = value_of(real_->list_crls());
    ASSERT_EQ(after_older.size(), 1u);
    EXPECT_EQ(after_older.front().der, after_newer.front().der);
}

}  // namespace
}  // namespace sealgate::admin
