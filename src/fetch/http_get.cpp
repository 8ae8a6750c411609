#include "fetch/http_get.hpp"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace sealgate::fetch {

namespace {

struct EasyDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
struct SlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
    std::string body;
    std::size_t cap = 0;
    bool too_big = false;
};

extern "C" std::size_t write_body(char* data, std::size_t size, std::size_t n, void* user) {
    auto* sink = static_cast<Sink*>(user);
    const std::size_t len = size * n;
    if (sink->body.size() + len > sink->cap) {
        sink->too_big = true;
        return 0;  // libcurl aborts the transfer (CURLE_WRITE_ERROR)
    }
    sink->body.append(data, len);
    return len;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        const char c = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
        if (c != prefix[i])
            return false;
    }
    return true;
}

std::string too_big_text(std::size_t cap) {
    return "larger than the limit of " + std::to_string(cap) + " bytes";
}

}  // namespace

std::string_view fetchable_scheme(std::string_view url) {
    if (starts_with_ci(url, "https://"))
        return "https";
    if (starts_with_ci(url, "http://"))
        return "http";
    return {};
}

Result<Response> http_fetch(std::string_view url, const Limits& limits) {
    const std::string_view scheme = fetchable_scheme(url);
    if (scheme.empty())
        return fail(Error::bad_input("not an http:// or https:// URL: " + std::string(url)));
    const std::string u(url);
    global_init();
    const EasyPtr curl(curl_easy_init());
    if (!curl)
        return fail(Error::temp("cannot start an HTTP request (libcurl)"));
    CURL* c = curl.get();
    Sink sink;
    sink.cap = limits.max_bytes;
    char errbuf[CURL_ERROR_SIZE] = {};
    const std::string protocols(scheme);
    // CURLOPT_CONNECT_TO "::HOST:PORT": any host and port of the URL goes to HOST:PORT.
    const std::string connect_entry = "::" + limits.connect_to;
    const SlistPtr connect_to(
        limits.connect_to.empty() ? nullptr : curl_slist_append(nullptr, connect_entry.c_str()));
    if (!limits.connect_to.empty() && !connect_to)
        return fail(Error::temp("cannot set up the HTTP request (libcurl)"));
    const auto ms = [](std::chrono::milliseconds d) { return static_cast<long>(d.count()); };
    // Each setopt below only fails on a libcurl built without the feature: the first such
    // failure refuses the request rather than fetching with a bound missing.
    const CURLcode set = [&]() {
        CURLcode r = CURLE_OK;
        const auto opt = [&r](CURLcode code) {
            if (r == CURLE_OK)
                r = code;
        };
        opt(curl_easy_setopt(c, CURLOPT_URL, u.c_str()));
        opt(curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols.c_str()));
        opt(curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protocols.c_str()));
        opt(curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L));
        opt(curl_easy_setopt(c, CURLOPT_MAXREDIRS, limits.max_redirects));
        opt(curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms(limits.connect)));
        opt(curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms(limits.total)));
        opt(curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                             static_cast<curl_off_t>(limits.max_bytes)));
        opt(curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L));
        opt(curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L));
        opt(curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L));
        opt(curl_easy_setopt(c, CURLOPT_USERAGENT, "sealgate"));
        opt(curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf));
        opt(curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body));
        opt(curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink));
        if (!limits.ca_file.empty())
            opt(curl_easy_setopt(c, CURLOPT_CAINFO, limits.ca_file.c_str()));
        if (!limits.connect_to.empty())
            opt(curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_to.get()));
        return r;
    }();
    if (set != CURLE_OK)
        return fail(
            Error::temp(std::string("cannot set up the HTTP request: ") + curl_easy_strerror(set)));

    const CURLcode rc = curl_easy_perform(c);
    if (sink.too_big || rc == CURLE_FILESIZE_EXCEEDED)
        return fail(Error::bad_input(u + ": " + too_big_text(limits.max_bytes)));
    if (rc != CURLE_OK) {
        std::string why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
        if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_TOO_MANY_REDIRECTS)
            return fail(Error::bad_input(u + ": " + why));
        return fail(Error::temp(u + ": " + why));
    }
    Response out;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
    out.body = std::move(sink.body);
    return out;
}

Result<std::string> http_get(std::string_view url, const Limits& limits) {
    auto r = http_fetch(url, limits);
    SEALGATE_TRY(r);
    if (r->status != 200)
        return fail(Error::temp(std::string(url) + ": HTTP status " + std::to_string(r->status)));
    return std::move(r->body);
}

}  // namespace sealgate::fetch
