// keyproc/channel.hpp — the I/O under the protocol: one frame out, one frame in, on a blocking
// stream socket; and passing a socket over the control socket (SCM_RIGHTS).
//
// Contract:
//   - write_frame() writes all of it (MSG_NOSIGNAL: a dead peer is an error, never SIGPIPE).
//   - read_frame() reads a header and a body no longer than `max_body`; a peer that closes gives
//     Error::temp("... closed"), a header that decode_header() refuses its bad_input (the caller
//     closes the channel: the stream cannot be resynchronised). timeout_ms < 0 waits for ever.
//   - send_fd() / receive_fd() move one descriptor with a one-octet message; receive_fd() gives
//     nullopt at EOF (the other side is gone).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "keyproc/protocol.hpp"

namespace sealgate::keyproc {

struct Frame {
    Header header;
    std::string body;
};

Status write_frame(int fd, std::string_view frame);
Result<Frame> read_frame(int fd, std::size_t max_body, bool request, int timeout_ms);

Status send_fd(int socket, int fd_to_pass);
Result<std::optional<int>> receive_fd(int socket);

// An owned descriptor.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(Fd&& other) noexcept : fd_(other.release()) {}
    Fd& operator=(Fd&& other) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release();
    void reset(int fd = -1);
    explicit operator bool() const { return fd_ >= 0; }

  private:
    int fd_ = -1;
};

}  // namespace sealgate::keyproc
