// pipeline/pipeline.hpp — what sealgate does to one message, as one list of stages.
//
//   1. canonicalise     LF or CRLF in, CRLF from here on                 (mime::to_crlf)
//   2. parse            header fields as bytes, body untouched          (mime::Entity)
//   3. sanitise         drop every X-Sealgate-* field that came in       (no spoofed results)
//   4. classify         a Treatment per recipient, grouped into copies   (policy::decide)
//   5. transform        per copy (stages.hpp):
//        outbound, encrypted or signed (docs/signing.md):
//          payload      RFC 9788 protected headers, or the Content-* fields and body
//          sign         multipart/signed around the payload (RFC 8551 §3.5.3, RFC 3156 §5);
//                       7-bit safe first when it leaves in clear
//          encrypt      S/MIME | OpenPGP around the (signed) payload, or it becomes the content
//        inbound, every copy:
//          decrypt      S/MIME | PGP/MIME | inline PGP, when for one of our keys
//          signature    check a multipart/signed or signed-data (or the OpenPGP message's own)
//                       against the sender domain's bound certificates and keys; restore
//                       protected headers; remove the signature unless keep-signature
//          enforce      require-signature: 550 5.7.1, or the Subject marked
//        relay, or in clear and unsigned: pass
//   6. annotate         X-Sealgate-Encrypted / X-Sealgate-Decrypted, X-Sealgate-Signature
//
// The offline filters (`sealgate encrypt`, `sealgate decrypt`) and the SMTP daemon run this same
// pipeline; the daemon relays each Copy to the next hop and answers 250 only when all of them
// were accepted (the commit half, pipeline/delivery.hpp).
//
// Contract:
//   - process() either returns every copy, complete, or an error; never a partial result.
//   - A recipient whose treatment is `refuse` (mandatory encryption without a usable key) makes
//     plan() and process() fail with that 550 5.7.1 error (delivery.hpp: admissible(), the same
//     answer as at RCPT): such a message is never delivered in clear.
//   - An inbound copy without a valid signature from a sender domain with require-signature and
//     on-bad-signature refuse makes render() and process() fail with 550 5.7.1
//     (delivery.hpp: signature_refusal()); the sender domain is the same for every copy.
//   - Copies: one per (direction, action, keys, signer); a Bcc recipient (not named in To/Cc)
//   always gets
//     a copy of its own.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "keystore/keys.hpp"
#include "mime/entity.hpp"
#include "model/records.hpp"
#include "openpgp/message.hpp"
#include "openpgp/signature.hpp"
#include "policy/policy.hpp"
#include "policy/snapshot.hpp"

namespace sealgate::pipeline {

struct Envelope {
    std::string sender;                   // reverse path, without angle brackets
    std::vector<std::string> recipients;  // forward paths
};

// What was done to one copy: the mail log record and the CLI's report are made from this.
struct Outcome {
    Direction direction = Direction::relay;
    CopyAction action = CopyAction::passed;  // encrypted, decrypted or passed
    std::string method;                      // smime, pgp, or empty
    std::string keys;                        // thumbprints / fingerprints, comma separated
    std::string algorithm;                   // e.g. aes256-cbc
    std::string detail;  // why (policy reason, "not encrypted to a key we hold", ...)
    // The signature, as LogRecord::signature records it: outbound "signed; signer=<id>" or
    // "not signed; reason=...", inbound the value of X-Sealgate-Signature; empty for a relay.
    std::string signature;
};

struct Copy {
    std::vector<std::string> recipients;
    std::string data;  // the complete message, CRLF line endings
    Outcome outcome;
};

struct Options {
    mime::Limits limits;
    // The partners' OpenPGP keys loaded once (the daemon keeps one per policy snapshot); null:
    // each OpenPGP encryption loads its recipients' keys itself (~1 ms, fine for the CLI).
    const openpgp::Encryptor* pgp_encryptor = nullptr;
    // Every stored partner key loaded for checking OpenPGP mail signatures (the daemon's worker
    // loads them once into one openpgp::KeyRing with the encryptor's); null: loaded per
    // signature (~0.5 ms with their validation).
    const openpgp::Verifier* pgp_verifier = nullptr;
};

// Stages 1–4 done: the parsed message and the copies it will become, not yet rendered.
class Plan {
  public:
    std::size_t copies() const { return groups_.size(); }
    std::size_t message_size() const { return message_.size(); }
    const std::vector<std::string>& recipients(std::size_t i) const {
        return groups_[i].recipients;
    }
    // Whether every copy leaves in clear and unsigned, outbound or relayed: rendering it needs
    // neither a key nor any cryptography (a Pipeline on keystore::NoKeys renders it). An inbound
    // copy never is: it may be decrypted, and its signature is checked.
    bool in_clear() const;

  private:
    friend class Pipeline;
    struct Group {
        policy::Treatment treatment;
        std::vector<std::string> recipients;
    };
    mime::Entity message_;
    std::string sender_;  // the envelope's, for the inbound signature rule without a From:
    std::vector<Group> groups_;
    std::size_t rendered_ = 0;
};

class Pipeline {
  public:
    Pipeline(std::shared_ptr<const policy::Snapshot> snapshot, keystore::Keys& keys,
             Options options = {});

    // All copies at once (the offline filters).
    Result<std::vector<Copy>> process(const Envelope& envelope, std::string message,
                                      policy::Mode mode = policy::Mode::automatic);

    // The same in two steps, so that the daemon holds one rendered copy at a time: plan()
    // runs stages 1–4; render() runs stages 5–6 for the copies in order (0, 1, …), the last one
    // taking the parsed message without a copy.
    Result<Plan> plan(const Envelope& envelope, std::string message,
                      policy::Mode mode = policy::Mode::automatic);
    Result<Copy> render(Plan& plan);

  private:
    std::shared_ptr<const policy::Snapshot> snapshot_;
    keystore::Keys& keys_;
    Options options_;
};

}  // namespace sealgate::pipeline
