// crypto/ossl.hpp — internal: ownership of OpenSSL handles and OpenSSL errors as one line.
//
// Every OpenSSL object the crypto module creates is held by one of these unique_ptr aliases
// from the moment it exists, so that no early return can leak it. drain_errors() empties the
// thread's OpenSSL error queue into a single readable line, so that a failure reported by one
// call never leaks into the next call's diagnostics. Not installed; only crypto/*.cpp use it.
#pragma once

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "crypto/certificate.hpp"
#include "crypto/import.hpp"
#include "crypto/private_key.hpp"
#include "crypto/smime.hpp"

namespace sealgate::crypto {

namespace ossl {

template <auto Free>
struct Deleter {
    template <class T>
    void operator()(T* p) const {
        Free(p);
    }
};

struct X509StackDeleter {
    void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
struct CrlStackDeleter {
    void operator()(STACK_OF(X509_CRL) * s) const { sk_X509_CRL_pop_free(s, X509_CRL_free); }
};

using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;
using CrlStackPtr = std::unique_ptr<STACK_OF(X509_CRL), CrlStackDeleter>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo_free>>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, Deleter<PKCS12_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;

// A read-only memory BIO over caller-owned bytes: no copy. The bytes must outlive the BIO.
BioPtr mem_reader(std::string_view bytes);
// An empty, growable memory BIO.
BioPtr mem_writer();
// The bytes written to a memory BIO so far (one copy).
std::string mem_contents(BIO* bio);
// A write-only BIO that hands every write to a ByteSink: large outputs (decrypted or encrypted
// messages) go to their final place directly, without BIO_s_mem's clear-and-copy regrowth and a
// last copy out. The Sink must outlive the BIO. A failed write (false or an exception from the
// ByteSink, which never crosses OpenSSL's C frames) fails that and every later write and sets
// `failed`: OpenSSL reports a failed write without a reason, and it keeps writing afterwards.
struct Sink {
    const ByteSink& write;
    bool failed = false;
};
BioPtr sink_bio(Sink* sink);

// Empty the thread's OpenSSL error queue into one line ("reason; reason; ..."); "" when empty.
std::string drain_errors();
// "<what>: <openssl errors>" — the queue is drained.
std::string reason(std::string_view what);

// One line, RFC 2253 order ("CN=...,O=..."), UTF-8 kept as UTF-8 (the line is for people).
std::string name_line(const X509_NAME* name);

// ASN1_TIME to time_t (0 when absent or unreadable).
std::time_t to_time_t(const ASN1_TIME* t);

}  // namespace ossl

// The one place that turns owned OpenSSL handles into the public value types (which keep their
// constructors private so that no caller can hand them a foreign or null handle).
class KeyFactory {
  public:
    static Certificate certificate(ossl::X509Ptr x) {
        return Certificate(std::shared_ptr<X509>(x.release(), X509_free));
    }
    static PrivateKey key(ossl::EvpPkeyPtr k) {
        return PrivateKey(std::shared_ptr<EVP_PKEY>(k.release(), EVP_PKEY_free));
    }
    static Crl crl(ossl::X509CrlPtr c) {
        return Crl(std::shared_ptr<X509_CRL>(c.release(), X509_CRL_free));
    }
};

}  // namespace sealgate::crypto
