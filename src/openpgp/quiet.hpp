// openpgp/quiet.hpp — keep librnp's internal diagnostics off the terminal of the CLI.
//
// Every ffi this module creates sends its log stream to /dev/null (rnp_ffi_set_log_fd). That is
// not enough with Debian's librnp 0.16: it is built without NDEBUG, so its internal RNP_LOG
// lines ("[process_pgp_key_auto() ...] wrong key tag") are always on, ignore RNP_LOG_CONSOLE,
// and go straight to the process's stderr. The switch that turns them off is not exported.
//
// QuietStderr points file descriptor 2 at /dev/null while it lives and restores it afterwards,
// so a command can print its own one clean line per error after the scope ends.
//
// Contract: process-wide (it changes fd 2 for every thread). Use it only in the single-threaded
// CLI around calls into this module, never in the daemon (there, stderr goes to the journal and
// the extra lines are harmless). Not nestable across threads; nesting in one thread is fine.
#pragma once

namespace sealgate::openpgp {

class QuietStderr {
  public:
    QuietStderr();
    ~QuietStderr();
    QuietStderr(const QuietStderr&) = delete;
    QuietStderr& operator=(const QuietStderr&) = delete;

  private:
    int saved_ = -1;
};

}  // namespace sealgate::openpgp
