#include "keyproc/channel.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sealgate::keyproc {

namespace {

Error unavailable(const std::string& reason) {
    return Error::temp("4.7.0", "Temporary local problem, try again later",
                       "key process: " + reason);
}

// Read exactly `out.size()` octets; false with the reason on EOF, error or timeout.
Status read_all(int fd, char* out, std::size_t size, int timeout_ms) {
    std::size_t got = 0;
    while (got < size) {
        if (timeout_ms >= 0) {
            pollfd p{fd, POLLIN, 0};
            const int r = ::poll(&p, 1, timeout_ms);
            if (r < 0 && errno == EINTR)
                continue;
            if (r == 0)
                return fail(unavailable("no reply within " + std::to_string(timeout_ms) + " ms"));
            if (r < 0)
                return fail(unavailable(std::string("poll: ") + std::strerror(errno)));
        }
        const ssize_t n = ::recv(fd, out + got, size - got, 0);
        if (n == 0)
            return fail(unavailable("channel closed"));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail(unavailable(std::string("read: ") + std::strerror(errno)));
        }
        got += static_cast<std::size_t>(n);
    }
    return ok();
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
    if (this != &other)
        reset(other.release());
    return *this;
}

int Fd::release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
}

void Fd::reset(int fd) {
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = fd;
}

Status write_frame(int fd, std::string_view frame) {
    std::size_t sent = 0;
    while (sent < frame.size()) {
        const ssize_t n = ::send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail(unavailable(std::string("write: ") + std::strerror(errno)));
        }
        sent += static_cast<std::size_t>(n);
    }
    return ok();
}

Result<Frame> read_frame(int fd, std::size_t max_body, bool request, int timeout_ms) {
    char head[header_size];
    SEALGATE_TRY(read_all(fd, head, header_size, timeout_ms));
    auto header = decode_header(std::string_view(head, header_size), max_body, request);
    SEALGATE_TRY(header);
    Frame frame;
    frame.header = *header;
    frame.body.resize(header->length);
    SEALGATE_TRY(read_all(fd, frame.body.data(), frame.body.size(), timeout_ms));
    return frame;
}

Status send_fd(int socket, int fd_to_pass) {
    char byte = 'C';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd_to_pass, sizeof(int));
    while (::sendmsg(socket, &msg, MSG_NOSIGNAL) < 0) {
        if (errno != EINTR)
            return fail(unavailable(std::string("passing a channel: ") + std::strerror(errno)));
    }
    return ok();
}

Result<std::optional<int>> receive_fd(int socket) {
    char byte = 0;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n = 0;
    while ((n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC)) < 0) {
        if (errno != EINTR)
            return fail(unavailable(std::string("control socket: ") + std::strerror(errno)));
    }
    if (n == 0)
        return std::optional<int>{};
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    if (c == nullptr || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
        c->cmsg_len != CMSG_LEN(sizeof(int)))
        return fail(Error::bad_input("key process: control message without a channel"));
    int fd = -1;
    std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return std::optional<int>{fd};
}

}  // namespace sealgate::keyproc
