#include "keyproc/sandbox.hpp"

#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace sealgate::keyproc {

namespace {

Error sandbox_error(const std::string& what) {
    return Error::temp("key process sandbox: " + what + ": " + std::strerror(errno));
}

}  // namespace

Status close_other_fds(int keep) {
    // close_range(2) (Linux 5.9); the descriptors 0-2 stay (/dev/null and the log).
    auto close_range = [](unsigned first, unsigned last) {
        return ::syscall(SYS_close_range, first, last, 0u);
    };
    const auto k = static_cast<unsigned>(keep);
    if (k > 3 && close_range(3, k - 1) != 0)
        return fail(sandbox_error("close_range"));
    if (close_range(k + 1, ~0u) != 0)
        return fail(sandbox_error("close_range"));
    return ok();
}

Status not_dumpable() {
    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        return fail(sandbox_error("PR_SET_DUMPABLE"));
    return ok();
}

Status drop_to_user(const std::string& user) {
    if (user.empty() || ::geteuid() != 0)
        return ok();
    errno = 0;
    const passwd* pw = ::getpwnam(user.c_str());
    if (pw == nullptr)
        return fail(Error::usage("[keys] user: no such user " + user));
    if (pw->pw_uid == 0)
        return ok();
    if (::setgroups(1, &pw->pw_gid) != 0)
        return fail(sandbox_error("setgroups"));
    if (::setgid(pw->pw_gid) != 0)
        return fail(sandbox_error("setgid"));
    if (::setuid(pw->pw_uid) != 0)
        return fail(sandbox_error("setuid"));
    // setuid from root to another uid cannot be undone; check that it was not.
    if (::setuid(0) == 0)
        return fail(Error::internal("key process sandbox: still able to become root"));
    // PR_SET_DUMPABLE is reset by a change of credentials.
    return not_dumpable();
}

Status no_new_privs() {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return fail(sandbox_error("PR_SET_NO_NEW_PRIVS"));
    return ok();
}

Status seccomp_filter() {
    std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(SCMP_ACT_ALLOW),
                                                         seccomp_release);
    if (!ctx)
        return fail(Error::temp("key process sandbox: seccomp_init failed"));
    const int forbidden[] = {
        SCMP_SYS(execve),
        SCMP_SYS(execveat),
        SCMP_SYS(ptrace),
        SCMP_SYS(socket),
        SCMP_SYS(connect),
        SCMP_SYS(bind),
        SCMP_SYS(listen),
        SCMP_SYS(accept),
        SCMP_SYS(accept4),
        SCMP_SYS(process_vm_readv),
        SCMP_SYS(process_vm_writev),
    };
    for (const int nr : forbidden) {
        if (const int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_KILL_PROCESS, nr, 0); rc != 0)
            return fail(Error::temp("key process sandbox: seccomp_rule_add: " +
                                    std::string(std::strerror(-rc))));
    }
    if (const int rc = seccomp_load(ctx.get()); rc != 0)
        return fail(
            Error::temp("key process sandbox: seccomp_load: " + std::string(std::strerror(-rc))));
    return ok();
}

}  // namespace sealgate::keyproc
