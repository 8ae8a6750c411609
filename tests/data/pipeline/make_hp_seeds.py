#!/usr/bin/env python3
"""Seed corpus for the header protection fuzz target (tests/pipeline/fuzz_header_protection.cpp).

Each seed is a flag byte (bit 0: the signature is valid, bit 1: protect with hp="clear"), the
outer message, a NUL byte and the payload, built like the unit tests' messages
(tests/pipeline/header_protection_test.cpp): RFC 9788 appendix-like cipher and clear payloads,
HP-Outer, a legacy display element, folded encoded-word Subjects, duplicates, an hp in comments
and quoted strings, injected fields.

Run from the repository root: python3 tests/data/pipeline/make_hp_seeds.py. The fuzzer adds what
it finds; scripts/fuzz.sh -m merges it back into a small corpus.
"""
import hashlib
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hp_corpus")

OUTER = (b"Received: from mx.b.example by mx.a.example; Sun, 6 Dec 2026 12:00:01 +0000\r\n"
         b"Message-ID: <lamps-1@b.example>\r\nSubject: [...]\r\nFrom: Bob <bob@b.example>\r\n"
         b"To: Alice <alice@a.example>\r\nDate: Sun, 06 Dec 2026 11:59:00 +0000\r\n"
         b"MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n"
         b"Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQAx\r\n")

PAYLOADS = [
    b"Content-Type: multipart/alternative; boundary=\"c\"; hp=\"cipher\"\r\n"
    b"Message-ID: <lamps-1@b.example>\r\nSubject: Quarterly figures\r\n"
    b"From: Bob <bob@b.example>\r\nTo: Alice <alice@a.example>\r\n"
    b"Date: Sun, 06 Dec 2026 11:59:00 +0000\r\n"
    b"HP-Outer: Date: Sun, 06 Dec 2026 11:59:00 +0000\r\nHP-Outer: From: Bob <bob@b.example>\r\n"
    b"HP-Outer: To: Alice <alice@a.example>\r\nHP-Outer: Subject: [...]\r\n"
    b"HP-Outer: Message-ID: <lamps-1@b.example>\r\n\r\n--c\r\n"
    b"Content-Type: text/plain; charset=\"us-ascii\"; hp-legacy-display=\"1\"\r\n\r\n"
    b"Subject: Quarterly figures\r\n\r\nThe figures.\r\n--c--\r\n",
    b"Content-Type: text/plain; hp=clear\r\nFrom: Bob <bob@b.example>\r\nSubject: real\r\n"
    b"Keywords: k\r\nKeywords: k2\r\nHP-Outer: Subject: [...]\r\n\r\nx",
    b"Content-Type: text/plain; HP=Cipher\r\nsubject: =?ISO-8859-1?Q?K=E4se?=\r\n"
    b" =?ISO-8859-1?Q?_und_Brot?=\r\nhp-outer: subject:[...]\r\n\r\nx",
    b"Content-Type: text/plain; hp=\"cipher\"\r\nReceived: forged\r\nBcc: boss@a.example\r\n"
    b"X-Sealgate-Signature: valid\r\nDKIM-Signature: v=1; b=x\r\nSubject: hi\r\n"
    b" X-Sealgate-Signature: valid\r\nFrom: a@b.example\nX-Injected: bare LF\r\n\r\nx",
    b"Content-Type: text/plain; hp=\"clear\"; hp=\"cipher\"\r\nSubject: forged\r\n\r\nx",
    b"Content-Type: text/plain (hp=cipher); name=\"a; hp=cipher\"\r\nSubject: forged\r\n\r\n",
    b"Content-Type: text/plain\r\nContent-Type: text/plain; hp*=cipher\r\nSubject: f\r\n\r\n",
    b"Content-Type: text/plain; hp=cipher\r\nFrom: a@b.example\r\nFrom: ceo@a.example\r\n"
    b"Subject: s\r\nHP-Outer: From: a@b.example\r\nHP-Outer: To: c@a.example\r\n\r\nx",
    b"Subject: no content type\r\n\r\nx",
]

MESSAGES = [
    b"Date: Sun, 06 Dec 2026 12:00:00 +0000\r\nFrom: Alice <alice@a.example>\r\n"
    b"To: Bob <bob@b.example>\r\nCc: carol@b.example\r\n"
    b"Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the\r\n quarterly review\r\n"
    b"Message-ID: <hp-1@a.example>\r\nKeywords: budget\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: 8bit\r\n"
    b"X-Mailer: test\r\n\r\nGr\xc3\xbc\xc3\x9fe\r\n",
    b"Content-Type: multipart/mixed;\r\n boundary=\"b;1\" (a; comment)\r\nSubject: s\r\n\r\nx",
    b"Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes; name=x.txt\r\n"
    b"Subject: s\r\nComments: c\r\n\r\nx",
    b"Subject: s\r\nTo: t@b.example",
]


def main():
    os.makedirs(HERE, exist_ok=True)
    seeds = []
    for flags in (0, 1, 2, 3):
        for payload in PAYLOADS:
            seeds.append(bytes([flags]) + OUTER + b"\0" + payload)
        for message in MESSAGES:
            seeds.append(bytes([flags]) + message)
    for seed in seeds:
        name = hashlib.sha1(seed).hexdigest()
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(seed)
    print(f"{len(seeds)} seeds in {HERE}")


if __name__ == "__main__":
    main()
