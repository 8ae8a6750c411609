#include "crypto/cms_sign.hpp"

#include "crypto/ossl.hpp"

namespace sealgate::crypto {

Result<std::string> cms_sign_detached(const Certificate& cert, const PrivateKey& key,
                                      std::string_view data) {
    if (!key.matches(cert))
        return fail(Error::bad_input("private key does not match certificate " + cert.sha256()));
    auto in = ossl::mem_reader(data);
    if (!in)
        return fail(Error::temp(ossl::reason("BIO_new_mem_buf")));
    ossl::CmsPtr cms(CMS_sign(cert.get(), key.get(), nullptr, in.get(),
                              CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP));
    if (!cms)
        return fail(Error::temp(ossl::reason("CMS_sign")));
    auto out = ossl::mem_writer();
    if (!out || i2d_CMS_bio(out.get(), cms.get()) != 1)
        return fail(Error::temp(ossl::reason("i2d_CMS_bio")));
    return ossl::mem_contents(out.get());
}

Status cms_verify_detached(std::string_view data, std::string_view signature_der,
                           const Certificate& signer) {
    auto sig_in = ossl::mem_reader(signature_der);
    if (!sig_in)
        return fail(Error::temp(ossl::reason("BIO_new_mem_buf")));
    ossl::CmsPtr cms(d2i_CMS_bio(sig_in.get(), nullptr));
    if (!cms)
        return fail(Error::bad_input(ossl::reason("not a CMS signature")));
    if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed)
        return fail(Error::bad_input("not a CMS SignedData"));
    if (CMS_is_detached(cms.get()) != 1)
        return fail(Error::bad_input("the CMS signature is not detached"));
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
    if (infos == nullptr || sk_CMS_SignerInfo_num(infos) != 1)
        return fail(Error::bad_input("the CMS signature must have exactly one signer"));
    ossl::X509StackPtr certs(sk_X509_new_null());
    if (!certs || sk_X509_push(certs.get(), signer.get()) == 0)
        return fail(Error::temp(ossl::reason("sk_X509_push")));
    X509_up_ref(signer.get());
    auto content = ossl::mem_reader(data);
    if (!content)
        return fail(Error::temp(ossl::reason("BIO_new_mem_buf")));
    const int rc = CMS_verify(cms.get(), certs.get(), nullptr, content.get(), nullptr,
                              CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY | CMS_NOINTERN);
    if (rc != 1)
        return fail(Error::unusable(
            ossl::reason("CMS signature does not verify with " + signer.sha256().substr(0, 16))));
    return ok();
}

}  // namespace sealgate::crypto
