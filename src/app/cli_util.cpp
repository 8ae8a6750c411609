#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "app/cli.hpp"
#include "policy/policy.hpp"

namespace sealgate::app {

Result<std::string> read_file(const std::string& path) {
    if (path == "-")
        return read_stdin(SIZE_MAX);
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return fail(Error::usage("cannot open " + path + ": " + std::strerror(errno)));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad())
        return fail(Error::usage("cannot read " + path));
    return ss.str();
}

Result<std::string> read_stdin(std::size_t limit) {
    std::string data;
    // A file on stdin tells its size: one allocation instead of doubling (peak memory).
    struct stat st {};
    if (::fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        static_cast<std::size_t>(st.st_size) <= limit)
        data.reserve(static_cast<std::size_t>(st.st_size) + 1);
    char buf[1 << 16];
    while (true) {
        const std::size_t n = std::fread(buf, 1, sizeof buf, stdin);
        data.append(buf, n);
        if (data.size() > limit)
            return fail(Error::perm(552, "5.3.4", "Message too big",
                                    "input exceeds " + std::to_string(limit) + " bytes"));
        if (n < sizeof buf)
            break;
    }
    if (std::ferror(stdin))
        return fail(Error::usage("cannot read standard input"));
    return data;
}

Status write_output(std::string_view data, const std::string& path) {
    if (path.empty() || path == "-") {
        if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size() ||
            std::fflush(stdout) != 0)
            return fail(
                Error::usage(std::string("cannot write standard output: ") + std::strerror(errno)));
        return ok();
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.close();
    if (!out)
        return fail(Error::usage("cannot write " + path));
    return ok();
}

Status write_secret_output(std::string_view data, const std::string& path) {
    if (path.empty() || path == "-")
        return write_output(data, path);
    const auto failed = [&](const char* what) {
        return fail(
            Error::usage(std::string("cannot ") + what + " " + path + ": " + std::strerror(errno)));
    };
    // Created 0600; a file that exists already is made 0600 before it is emptied and the
    // secret written, so the secret is never readable by others, not even for a moment.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return failed("create");
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    if (::fchmod(fd, 0600) != 0)
        return failed("chmod 600");
    if (::ftruncate(fd, 0) != 0)
        return failed("truncate");
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return failed("write");
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0)
        return failed("write");
    return ok();
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i)
            out += sep;
        out += items[i];
    }
    return out;
}

Status confirm(const policy::Verdict& verdict, bool force) {
    if (verdict.needs_force() && !force)
        return fail(Error::conflict(verdict.forced_text() + " (give --force to do it anyway)"));
    for (const auto& f : verdict.findings)
        std::printf("warning: %s%s\n", f.text.c_str(), f.needs_force ? " (done: --force)" : "");
    return ok();
}

std::string strength_text(
    const policy::Snapshot& snap, const std::vector<std::string>& domains,
    const std::function<std::optional<std::string>(const policy::KeyMinimum&)>& problem) {
    const auto refused = problem(policy::KeyMinimum{});
    if (!refused)
        return "acceptable";
    std::string line = "NOT acceptable: " + *refused;
    for (const auto* dom : policy::domains_accepting(snap, domains, problem))
        line += "; accepted for " + dom->name + " (min-rsa-bits " +
                std::to_string(dom->min_rsa_bits) + ")";
    return line;
}

}  // namespace sealgate::app
