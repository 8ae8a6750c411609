// keystore/no_keys.hpp — the Keys of a thread that must not use any.
//
// The daemon's SMTP thread plans a small message, and renders it when every copy leaves in clear
// (pipeline::Plan::in_clear(); app/gateway.cpp): its Pipeline is given these. They hold nothing
// and read nothing.
//
// Contract: every operation fails with Error::temp (451 4.3.0), so that a copy rendered here by
// mistake is deferred and tried again, never sent in clear; refresh() succeeds (nothing to drop).
#pragma once

#include "keystore/keys.hpp"

namespace sealgate::keystore {

class NoKeys final : public Keys {
  public:
    Result<std::optional<SmimeDecrypted>> smime_decrypt(std::string) override { return none(); }
    Result<std::optional<openpgp::Decrypted>> pgp_decrypt(std::string_view,
                                                          std::span<const std::string>) override {
        return none();
    }
    Result<std::string> smime_sign_entity(std::string_view, std::string_view,
                                          const std::vector<crypto::Certificate>&,
                                          crypto::CmsProfile) override {
        return none();
    }
    Result<std::string> pgp_sign_entity(std::string_view, std::string_view) override {
        return none();
    }
    Status refresh() override { return ok(); }
    Status add_smime_key(const crypto::Certificate&, const crypto::PrivateKey&) override {
        return none();
    }
    Result<crypto::Certificate> renew_smime(const crypto::Certificate&, bool, int) override {
        return none();
    }
    Result<std::string> export_smime_pkcs12(const crypto::Certificate&,
                                            const std::vector<crypto::Certificate>&,
                                            std::string_view) override {
        return none();
    }
    Result<std::string> seal_pgp_secret(std::string_view, std::string_view) override {
        return none();
    }
    Result<std::string> unseal_pgp_secret(std::string_view, std::string_view) override {
        return none();
    }
    Result<PgpSecretChanged> change_pgp_secret(std::string_view, std::string_view,
                                               const PgpSecretChange&) override {
        return none();
    }
    Result<std::string> seal_secret(std::string_view, std::string_view) override { return none(); }
    Result<std::string> unseal_secret(std::string_view, std::string_view) override {
        return none();
    }
    Result<std::string> smime_sign(std::string_view, std::string_view) override { return none(); }
    Result<std::string> pgp_sign(std::string_view, std::string_view) override { return none(); }

  private:
    static tl::unexpected<Error> none() {
        return fail(
            Error::temp("no private keys on this thread (a copy that needs them was "
                        "rendered without; tried again later)"));
    }
};

}  // namespace sealgate::keystore
