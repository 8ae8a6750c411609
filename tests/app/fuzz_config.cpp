// libFuzzer entry point for the TOML configuration loader (app/config.hpp load_config): the
// input is the configuration file's content, handed over as a memfd's /proc/self/fd path so that
// the loader reads it as it reads any file.
//
// Invariants (abort when broken): load_config never throws or crashes; a refusal is a usage
// error whose text names the file; a configuration that loads comes from that file and loads
// again to the same values. The saved corpus tests/data/app/config_corpus (examples/sealgate.toml
// and variations of it) replays through this function in ctest.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "app/config.hpp"

namespace {

using sealgate::app::Config;

void check(bool condition) {
    if (!condition)
        std::abort();
}

bool same(const Config& a, const Config& b) {
    return a.source == b.source && a.store_path == b.store_path &&
           a.master_key_path == b.master_key_path && a.log_retention == b.log_retention &&
           a.listen == b.listen && a.next_hop == b.next_hop && a.hostname == b.hostname &&
           a.relay_networks == b.relay_networks && a.max_message_size == b.max_message_size &&
           a.max_recipients == b.max_recipients && a.max_connections == b.max_connections &&
           a.command_timeout_s == b.command_timeout_s && a.data_timeout_s == b.data_timeout_s &&
           a.tls.certificate == b.tls.certificate && a.tls.private_key == b.tls.private_key &&
           a.next_hop_tls.level == b.next_hop_tls.level &&
           a.next_hop_tls.ca_file == b.next_hop_tls.ca_file &&
           a.next_hop_tls.server_name == b.next_hop_tls.server_name &&
           a.next_hop_tls.fingerprints == b.next_hop_tls.fingerprints &&
           a.hopcount_limit == b.hopcount_limit && a.log_queue == b.log_queue &&
           a.workers == b.workers && a.max_connections_per_ip == b.max_connections_per_ip &&
           a.session_deadline_s == b.session_deadline_s && a.data_deadline_s == b.data_deadline_s &&
           a.max_junk_commands == b.max_junk_commands && a.max_header_bytes == b.max_header_bytes &&
           a.max_buffered_bytes == b.max_buffered_bytes;
}

// One memory file for the whole run, rewritten for each input.
int config_fd() {
    static const int fd = memfd_create("sealgate-fuzz-config", MFD_CLOEXEC);
    check(fd >= 0);
    return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const int fd = config_fd();
    check(ftruncate(fd, 0) == 0);
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = pwrite(fd, bytes + done, size - done, static_cast<off_t>(done));
        check(n > 0);
        done += static_cast<std::size_t>(n);
    }
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    try {
        const auto cfg = sealgate::app::load_config(path);
        if (!cfg) {
            check(cfg.error().code >= 500 && !cfg.error().reason.empty());
            check(cfg.error().reason.find(path) != std::string::npos);
            return 0;
        }
        check(cfg->source == path && !cfg->master_key().empty());
        const auto again = sealgate::app::load_config(path);
        check(again.has_value() && same(*cfg, *again));
    } catch (...) {
        check(false);  // load_config reports every problem as an Error
    }
    return 0;
}
