#include "policy/policy.hpp"

namespace sealgate::policy {

crypto::Usability pgp_key_usability(const PgpKeyRecord& key, std::time_t now) {
    (void)now;
    if (!key.trusted) return {false, "not trusted (compare fingerprints, then `sealgate pgp trust`)"};
    return {false, "OpenPGP support is not built in"};
}

}  // namespace sealgate::policy
