#include "crypto/ossl.hpp"

#include <openssl/err.h>

#include <climits>
#include <ctime>

namespace sealgate::crypto::ossl {

BioPtr mem_reader(std::string_view bytes) {
    // BIO_new_mem_buf takes an int length; larger inputs are refused by the callers' parsers.
    const int len =
        bytes.size() > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(bytes.size());
    return BioPtr(BIO_new_mem_buf(bytes.data(), len));
}

BioPtr mem_writer() {
    return BioPtr(BIO_new(BIO_s_mem()));
}

std::string mem_contents(BIO* bio) {
    BUF_MEM* mem = nullptr;
    BIO_get_mem_ptr(bio, &mem);
    if (mem == nullptr || mem->length == 0)
        return {};
    return std::string(mem->data, mem->length);
}

namespace {

int sink_write(BIO* b, const char* data, int len) {
    if (len <= 0)
        return 0;
    auto* sink = static_cast<Sink*>(BIO_get_data(b));
    if (!sink->failed) {
        try {
            sink->failed = !sink->write(std::string_view(data, static_cast<std::size_t>(len)));
        } catch (...) {
            sink->failed = true;  // e.g. std::bad_alloc; reported by the caller via `failed`
        }
    }
    return sink->failed ? -1 : len;
}

long sink_ctrl(BIO* /*b*/, int cmd, long /*num*/, void* /*ptr*/) {
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

int sink_create(BIO* b) {
    BIO_set_init(b, 1);
    return 1;
}

// Created once and kept for the life of the process, as OpenSSL's own BIO methods are.
const BIO_METHOD* sink_method() {
    static BIO_METHOD* const method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sealgate-sink");
        if (m != nullptr) {
            BIO_meth_set_write(m, sink_write);
            BIO_meth_set_ctrl(m, sink_ctrl);
            BIO_meth_set_create(m, sink_create);
        }
        return m;
    }();
    return method;
}

}  // namespace

BioPtr sink_bio(Sink* sink) {
    const BIO_METHOD* m = sink_method();
    if (m == nullptr)
        return nullptr;
    BioPtr bio(BIO_new(m));
    if (bio)
        BIO_set_data(bio.get(), sink);
    return bio;
}

std::string drain_errors() {
    std::string out;
    unsigned long e = 0;
    while ((e = ERR_get_error()) != 0) {
        const char* r = ERR_reason_error_string(e);
        std::string one = r != nullptr ? r : "unknown error";
        if (const char* lib = ERR_lib_error_string(e); lib != nullptr) {
            one = std::string(lib) + ": " + one;
        }
        // The same reason is often pushed several times on the way up the stack.
        if (out.find(one) != std::string::npos)
            continue;
        if (!out.empty())
            out += "; ";
        out += one;
    }
    return out;
}

std::string reason(std::string_view what) {
    std::string r(what);
    const std::string detail = drain_errors();
    if (!detail.empty())
        r += " (" + detail + ")";
    return r;
}

std::string name_line(const X509_NAME* name) {
    const auto bio = mem_writer();
    constexpr unsigned long flags =
        XN_FLAG_RFC2253 & ~static_cast<unsigned long>(ASN1_STRFLGS_ESC_MSB);
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) {
        drain_errors();
        return {};
    }
    return mem_contents(bio.get());
}

std::time_t to_time_t(const ASN1_TIME* t) {
    std::tm tm{};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return timegm(&tm);
}

}  // namespace sealgate::crypto::ossl
