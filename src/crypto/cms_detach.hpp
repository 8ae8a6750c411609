// crypto/cms_detach.hpp — internal: take the encrypted content out of a CMS envelope, in place.
//
// OpenSSL's d2i gathers a constructed OCTET STRING (BER: gpgsm, NSS cmsutil and our own streamed
// output send the encrypted content as 4 KB pieces) into a buffer that grows by copying, and even
// a primitive one is copied into the parsed structure: for a 50 MB message that is 50–90 MB more
// than the encoding itself. CMS_decrypt() can instead read the encrypted content from a BIO
// ("detached" content, RFC 5652 §6.1: encryptedContent is OPTIONAL). detach_encrypted_content()
// walks ContentInfo → [0] → (Auth)EnvelopedData → (Auth)EncryptedContentInfo, returns the
// structure without encryptedContent (a few KB, BER, for d2i) and gathers the pieces of the
// content to the front of its place in `ber`, where they end up as one contiguous range: no
// second copy of the content ever exists.
//
// Contract: BER or DER (X.690 §8) on input. Every length is checked against the bytes that
// remain before anything is read; indefinite lengths nest at most kMaxDepth deep. Malformed or
// truncated input, a missing content or an element other than OCTET STRING among the pieces fails
// with a reason (Error::bad_input). On success and on failure `ber` may have been rearranged:
// keep the original elsewhere if it is still needed. Bytes after the ContentInfo are ignored, as
// d2i ignores them. The structure itself is validated only along the path; the rest is checked
// by OpenSSL's d2i when the structure is parsed.
#pragma once

#include <cstddef>
#include <string>

#include "core/result.hpp"

namespace sealgate::crypto {

struct DetachedContent {
    std::string structure;   // the ContentInfo without encryptedContent, BER
    std::size_t offset = 0;  // the encrypted content: ber[offset, offset + size)
    std::size_t size = 0;
};

Result<DetachedContent> detach_encrypted_content(std::string& ber);

}  // namespace sealgate::crypto
