#include "crypto/import.hpp"

#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "crypto/ossl.hpp"

namespace sealgate::crypto {

namespace {

constexpr std::string_view kUnknownFormat = "not a certificate, key or PKCS#12 file";

struct PemBlock {
    std::string_view label;  // "CERTIFICATE", "PRIVATE KEY", ...
    std::string_view text;   // from "-----BEGIN" to the end of the "-----END ...-----" line
};

// RFC 7468 framing; text outside the blocks (comments, "Bag Attributes") is ignored.
std::vector<PemBlock> pem_blocks(std::string_view in) {
    std::vector<PemBlock> out;
    std::size_t pos = 0;
    while ((pos = in.find("-----BEGIN ", pos)) != std::string_view::npos) {
        const std::size_t label_start = pos + 11;
        const std::size_t label_end = in.find("-----", label_start);
        if (label_end == std::string_view::npos)
            break;
        const std::string_view label = in.substr(label_start, label_end - label_start);
        const std::string end_line = "-----END " + std::string(label) + "-----";
        const std::size_t end = in.find(end_line, label_end);
        if (end == std::string_view::npos)
            break;
        out.push_back({label, in.substr(pos, end + end_line.size() - pos)});
        pos = end + end_line.size();
    }
    return out;
}

struct PasswordState {
    const std::optional<std::string>* password;
    bool asked = false;
};

// pem_password_cb: hands over the caller's password, or reports that one is needed.
int password_cb(char* buf, int size, int /*rwflag*/, void* u) {
    auto* st = static_cast<PasswordState*>(u);
    st->asked = true;
    if (!st->password->has_value())
        return -1;
    const std::string& pw = **st->password;
    if (pw.size() > static_cast<std::size_t>(size))
        return -1;
    std::memcpy(buf, pw.data(), pw.size());
    return static_cast<int>(pw.size());
}

// End-entity first: the certificate that matches the key moves to the front.
Status order_for_key(Bundle& b) {
    if (!b.key)
        return ok();
    const auto it = std::find_if(b.certificates.begin(), b.certificates.end(),
                                 [&](const Certificate& c) { return b.key->matches(c); });
    if (it == b.certificates.end()) {
        return fail(Error::bad_input("private key matches none of the certificates"));
    }
    std::rotate(b.certificates.begin(), it, it + 1);
    return ok();
}

Result<Bundle> read_pem(std::string_view bytes, const std::optional<std::string>& password) {
    Bundle b;
    for (const PemBlock& block : pem_blocks(bytes)) {
        const auto bio = ossl::mem_reader(block.text);
        if (block.label == "CERTIFICATE" || block.label == "X509 CERTIFICATE" ||
            block.label == "TRUSTED CERTIFICATE") {
            ossl::X509Ptr x(block.label == "TRUSTED CERTIFICATE"
                                ? PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr)
                                : PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
            if (!x)
                return fail(Error::bad_input(ossl::reason("corrupt PEM certificate")));
            b.certificates.push_back(KeyFactory::certificate(std::move(x)));
        } else if (block.label.ends_with("PRIVATE KEY")) {
            if (b.key)
                return fail(Error::bad_input("more than one private key in the file"));
            PasswordState st{&password};
            // Reads PKCS#8, encrypted PKCS#8 and the traditional RSA/EC forms (with DEK-Info).
            ossl::EvpPkeyPtr k(PEM_read_bio_PrivateKey(bio.get(), nullptr, password_cb, &st));
            if (!k) {
                if (st.asked && !password) {
                    ossl::drain_errors();
                    return fail(
                        Error::bad_input("the private key is encrypted: a password is needed"));
                }
                if (st.asked) {
                    ossl::drain_errors();
                    return fail(Error::bad_input("wrong password for the private key"));
                }
                return fail(Error::bad_input(ossl::reason("corrupt PEM private key")));
            }
            b.key = KeyFactory::key(std::move(k));
        }
        // Other blocks (CRLs, parameters) are not part of a certificate bundle.
    }
    if (b.certificates.empty() && !b.key)
        return fail(Error::bad_input(std::string(kUnknownFormat)));
    if (b.certificates.empty()) {
        return fail(Error::bad_input("a private key without its certificate"));
    }
    SEALGATE_TRY(order_for_key(b));
    return b;
}

Result<Bundle> read_pkcs12(PKCS12* p12, const std::optional<std::string>& password) {
    // An absent password may mean either the empty string or no password at all (RFC 7292
    // encodes them differently); try both.
    const char* pass = nullptr;
    if (password) {
        if (PKCS12_verify_mac(p12, password->c_str(), -1) != 1) {
            ossl::drain_errors();
            return fail(Error::bad_input("wrong password for PKCS#12"));
        }
        pass = password->c_str();
    } else if (PKCS12_verify_mac(p12, "", 0) == 1) {
        pass = "";
    } else if (PKCS12_verify_mac(p12, nullptr, 0) == 1) {
        pass = nullptr;
    } else {
        ossl::drain_errors();
        return fail(Error::bad_input("wrong password for PKCS#12"));
    }
    ossl::drain_errors();
    EVP_PKEY* pkey = nullptr;
    X509* cert = nullptr;
    STACK_OF(X509)* ca = nullptr;
    if (PKCS12_parse(p12, pass, &pkey, &cert, &ca) != 1) {
        return fail(Error::bad_input(ossl::reason("cannot read PKCS#12 contents")));
    }
    ossl::EvpPkeyPtr key(pkey);
    ossl::X509Ptr leaf(cert);
    ossl::X509StackPtr others(ca);
    Bundle b;
    if (leaf)
        b.certificates.push_back(KeyFactory::certificate(std::move(leaf)));
    while (others && sk_X509_num(others.get()) > 0) {
        b.certificates.push_back(
            KeyFactory::certificate(ossl::X509Ptr(sk_X509_shift(others.get()))));
    }
    if (key)
        b.key = KeyFactory::key(std::move(key));
    if (b.certificates.empty())
        return fail(Error::bad_input("PKCS#12 without a certificate"));
    SEALGATE_TRY(order_for_key(b));
    return b;
}

}  // namespace

Result<Bundle> read_bundle(std::string_view bytes, const std::optional<std::string>& password) {
    if (bytes.find("-----BEGIN ") != std::string_view::npos) {
        return read_pem(bytes, password);
    }
    if (bytes.size() > static_cast<std::size_t>(LONG_MAX)) {
        return fail(Error::bad_input(std::string(kUnknownFormat)));
    }
    const auto* begin = reinterpret_cast<const unsigned char*>(bytes.data());
    const auto* p = begin;
    ossl::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(bytes.size())));
    if (x && p == begin + bytes.size()) {
        Bundle b;
        b.certificates.push_back(KeyFactory::certificate(std::move(x)));
        return b;
    }
    ossl::drain_errors();
    p = begin;
    ossl::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(bytes.size())));
    if (p12)
        return read_pkcs12(p12.get(), password);
    ossl::drain_errors();
    return fail(Error::bad_input(std::string(kUnknownFormat)));
}

Result<Crl> Crl::read(std::string_view bytes) {
    ossl::X509CrlPtr crl;
    if (bytes.find("-----BEGIN X509 CRL-----") != std::string_view::npos) {
        const auto bio = ossl::mem_reader(bytes);
        crl.reset(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    } else if (bytes.size() <= static_cast<std::size_t>(LONG_MAX)) {
        const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
        crl.reset(d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size())));
    }
    if (!crl)
        return fail(Error::bad_input(ossl::reason("not a CRL (PEM or DER)")));
    return KeyFactory::crl(std::move(crl));
}

std::string Crl::der() const {
    const int len = i2d_X509_CRL(crl_.get(), nullptr);
    if (len <= 0)
        return {};
    std::string out(static_cast<std::size_t>(len), '\0');
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    i2d_X509_CRL(crl_.get(), &p);
    return out;
}

std::string Crl::issuer() const {
    return ossl::name_line(X509_CRL_get_issuer(crl_.get()));
}

std::time_t Crl::last_update() const {
    return ossl::to_time_t(X509_CRL_get0_lastUpdate(crl_.get()));
}

std::time_t Crl::next_update() const {
    const ASN1_TIME* t = X509_CRL_get0_nextUpdate(crl_.get());
    return t != nullptr ? ossl::to_time_t(t) : 0;
}

bool Crl::stale(std::time_t now) const {
    const std::time_t next = next_update();
    return next != 0 && next < now;
}

bool Crl::issued_by(const Certificate& issuer) const {
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl_.get()), X509_get_subject_name(issuer.get())) != 0)
        return false;
    if ((X509_get_extension_flags(issuer.get()) & EXFLAG_KUSAGE) != 0 &&
        (X509_get_key_usage(issuer.get()) & KU_CRL_SIGN) == 0) {
        return false;
    }
    EVP_PKEY* key = X509_get0_pubkey(issuer.get());
    const bool ok = key != nullptr && X509_CRL_verify(crl_.get(), key) == 1;
    ossl::drain_errors();
    return ok;
}

bool Crl::newer_than(const Crl& other) const {
    const ossl::Asn1IntegerPtr mine(static_cast<ASN1_INTEGER*>(
        X509_CRL_get_ext_d2i(crl_.get(), NID_crl_number, nullptr, nullptr)));
    const ossl::Asn1IntegerPtr theirs(static_cast<ASN1_INTEGER*>(
        X509_CRL_get_ext_d2i(other.get(), NID_crl_number, nullptr, nullptr)));
    ossl::drain_errors();
    if (mine && theirs)
        return ASN1_INTEGER_cmp(mine.get(), theirs.get()) > 0;
    return last_update() > other.last_update();
}

}  // namespace sealgate::crypto
