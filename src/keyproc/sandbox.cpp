#include "keyproc/sandbox.hpp"

#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
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

Status seccomp_filter(bool store_connections) {
    std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(SCMP_ACT_ALLOW),
                                                         seccomp_release);
    if (!ctx)
        return fail(Error::temp("key process sandbox: seccomp_init failed"));
    const auto add = [&ctx](int nr, unsigned count, const scmp_arg_cmp* cmp) -> Status {
        if (const int rc = seccomp_rule_add_array(ctx.get(), SCMP_ACT_KILL_PROCESS, nr, count, cmp);
            rc != 0)
            return fail(Error::temp("key process sandbox: seccomp_rule_add: " +
                                    std::string(std::strerror(-rc))));
        return ok();
    };
    if (store_connections) {
        // A socket of another family than the store's (Unix, IPv4, IPv6) still kills it: one
        // rule per family number, since a rule compares an argument once.
        for (const scmp_datum_t family : {0u, 3u, 4u, 5u, 6u, 7u, 8u, 9u}) {
            const scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_EQ, family);
            SEALGATE_TRY(add(SCMP_SYS(socket), 1, &cmp));
        }
        const scmp_arg_cmp above = SCMP_A0(SCMP_CMP_GT, AF_INET6);
        SEALGATE_TRY(add(SCMP_SYS(socket), 1, &above));
    } else {
        SEALGATE_TRY(add(SCMP_SYS(socket), 0, nullptr));
        SEALGATE_TRY(add(SCMP_SYS(connect), 0, nullptr));
    }
    const int forbidden[] = {
        SCMP_SYS(execve),  SCMP_SYS(execveat),         SCMP_SYS(ptrace),
        SCMP_SYS(bind),    SCMP_SYS(listen),           SCMP_SYS(accept),
        SCMP_SYS(accept4), SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
    };
    for (const int nr : forbidden)
        SEALGATE_TRY(add(nr, 0, nullptr));
    if (const int rc = seccomp_load(ctx.get()); rc != 0)
        return fail(
            Error::temp("key process sandbox: seccomp_load: " + std::string(std::strerror(-rc))));
    return ok();
}

}  // namespace sealgate::keyproc
