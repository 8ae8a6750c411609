// keyproc/sandbox.hpp — the least privilege of the key process, applied in this order.
//
//   close_other_fds()   every descriptor but 0, 1, 2 and `keep` is closed (close_range).
//   not_dumpable()      PR_SET_DUMPABLE 0: no core dump, and a process of the same uid can neither
//                       ptrace it nor read its /proc/PID/mem.
//   drop_to_user()      when root: setgroups, setgid, setuid to the user's ids; refuses to stay
//                       root silently (an unknown user is an error).
//   no_new_privs()      PR_SET_NO_NEW_PRIVS 1 (also required for a seccomp filter unprivileged).
//   seccomp_filter()    libseccomp: execve, execveat, fork/vfork (a process of its own), ptrace,
//                       process_vm_readv/writev, socket, connect, bind, listen, accept,
//                       accept4 kill the process; everything else is allowed (threads, files of
//                       the store, the channels it already has). store_connections (a
//                       PostgreSQL store, which the key process reads its sealed keys from and
//                       must reach again after an outage): socket() of AF_UNIX, AF_INET and
//                       AF_INET6 and connect() are allowed; bind, listen and accept still kill
//                       it, so it can reach the store but serve nothing.
// Each returns an error with the reason; the key process does not start without all of them.
#pragma once

#include <string>

#include "core/result.hpp"

namespace sealgate::keyproc {

Status close_other_fds(int keep);
Status not_dumpable();
Status drop_to_user(const std::string& user);
Status no_new_privs();
Status seccomp_filter(bool store_connections = false);

}  // namespace sealgate::keyproc
