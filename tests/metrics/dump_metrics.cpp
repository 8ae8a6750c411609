// Writes a /metrics page with every family filled (tests/metrics: promtool checks it).
#include <cstdio>

#include "metrics/metrics.hpp"

int main() {
    using namespace sealgate;
    using std::chrono::milliseconds;
    auto& r = metrics::process();
    r.set_version("0.0.0-test \"quoted\"\nline");
    r.count_copy(Direction::outbound, "smime", CopyAction::encrypted, 250);
    r.count_copy(Direction::inbound, "pgp", CopyAction::decrypted, 451);
    r.count_refusal(metrics::Refusal::loop);
    r.count_next_hop_error(metrics::NextHopError::temporary);
    r.crypto_seconds.observe(milliseconds(4));
    r.transaction_seconds.observe(milliseconds(40));
    r.record_key_request("pgp_decrypt", true, milliseconds(1));
    r.set_expiries({{metrics::Expiry::Kind::certificate, "ab12", true, 2000000000},
                    {metrics::Expiry::Kind::pgp_key, "cd34", false, 1000000000}});
    std::fputs(r.render().c_str(), stdout);
    return 0;
}
