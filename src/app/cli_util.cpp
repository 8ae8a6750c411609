#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "app/cli.hpp"

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

std::string cli_actor() {
    const uid_t uid = ::geteuid();
    const struct passwd* pw = ::getpwuid(uid);
    return "cli:" + (pw != nullptr && pw->pw_name != nullptr ? std::string(pw->pw_name)
                                                             : std::to_string(uid));
}

void print_warnings(const std::vector<std::string>& warnings,
                    const std::vector<std::string>& overridden) {
    for (const auto& w : warnings) {
        const bool forced = std::find(overridden.begin(), overridden.end(), w) != overridden.end();
        std::printf("warning: %s%s\n", w.c_str(), forced ? " (done: --force)" : "");
    }
}

}  // namespace sealgate::app
