// tests/admin/fixture.hpp — an admin::Service on a fresh store and master key, behind a
// FailingStore (error injection), made for the actor "test:alice"; and its audit log.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "admin/service.hpp"
#include "crypto/keygen.hpp"
#include "keystore/keystore.hpp"
#include "keystore/master_key.hpp"
#include "support/failing_store.hpp"
#include "support/result.hpp"
#include "support/store.hpp"
#include "support/temp_dir.hpp"

namespace sealgate::admin {

class AdminTest : public ::testing::Test {
  protected:
    void SetUp() override {
        real_ = test::open_store(dir_);
        ASSERT_TRUE(real_);
        store_ = std::make_unique<test::FailingStore>(*real_);
        auto master = MasterKey::create(dir_.file("s.db.key"));
        ASSERT_TRUE(master) << master.error().reason;
        keys_ = std::make_unique<keystore::KeyStore>(*store_, std::move(*master));
        service_ = std::make_unique<Service>(*store_, *keys_, Actor{"test:alice", "node-a"});
    }

    Service& service() { return *service_; }

    // Every audit record, oldest first.
    std::vector<AuditRecord> audit_log() {
        AuditQuery q;
        q.last = 1000;
        return value_of(real_->query_audit(q));
    }
    std::size_t audit_count() { return audit_log().size(); }
    // The one audit record written since `before` records were there (fails the test if there
    // is not exactly one).
    AuditRecord only_new_audit(std::size_t before) {
        auto all = audit_log();
        EXPECT_EQ(all.size(), before + 1) << "expected exactly one new audit record";
        return all.size() == before + 1 ? all.back() : AuditRecord{};
    }

    DomainRecord domain(const std::string& name, EncryptMode mode = EncryptMode::none,
                        bool local = false) {
        DomainRecord d;
        d.name = name;
        d.encrypt_mode = mode;
        d.local = local;
        EXPECT_TRUE(real_->put_domain(d));
        return d;
    }

    // A partner's certificate for `email` (P-256, `days` valid), imported; its PEM and thumbprint.
    struct MadeCertificate {
        std::string sha256;
        std::string pem;
    };
    MadeCertificate partner_certificate(const std::string& email, unsigned days = 365) {
        crypto::CertificateRequest req;
        req.email = email;
        req.algorithm = crypto::KeyAlgorithm::p256;
        req.days = days;
        auto made = crypto::create_domain_certificate(req);
        EXPECT_TRUE(made);
        if (!made)
            return {};
        const auto& c = made->first;
        EXPECT_TRUE(real_->put_certificate(CertRecord{c.sha256(), c.der(), false, 1}));
        return {c.sha256(), c.pem()};
    }

    test::TempDir dir_;
    std::unique_ptr<SqliteStore> real_;
    std::unique_ptr<test::FailingStore> store_;
    std::unique_ptr<keystore::KeyStore> keys_;
    std::unique_ptr<Service> service_;
};

}  // namespace sealgate::admin
