#!/usr/bin/env python3
"""Seed corpora for the SMTP fuzz targets, built from the unit tests' own inputs.

session_corpus/: for each TEST in tests/smtp/session_test.cpp, the string literals it passes to
receive(), in order, as one client stream, under several headers (flags, chunk lengths; see
tests/smtp/fuzz_session.cpp), plus a few streams the tests build in code (STARTTLS, pipelining).
reply_corpus/: the literals passed to feed() in tests/smtp/client_protocol_test.cpp and
tests/net/*.cpp-style server replies, under a few chunk lengths and line limits.

Run from the repository root: python3 tests/data/smtp/make_seeds.py. The fuzzer adds what it
finds; scripts/fuzz.sh merges it back into a small corpus.
"""
import hashlib
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
HERE = os.path.join(ROOT, "tests", "data", "smtp")

LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')


def unescape(s):
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        n = s[i + 1]
        if n == "x":
            j = i + 2
            while j < len(s) and s[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(s[i + 2:j], 16) & 0xFF)
            i = j
            continue
        out += {"r": b"\r", "n": b"\n", "t": b"\t", "0": b"\0", "\\": b"\\", '"': b'"'}.get(
            n, n.encode())
        i += 2
    return bytes(out)


def call_arguments(text, name):
    """The string literals of each name(...) call, in order, per TEST."""
    tests = re.split(r"\nTEST(?:_F)?\(", text)[1:]
    for body in tests:
        parts = []
        for m in re.finditer(re.escape(name) + r"\(", body):
            depth, j = 1, m.end()
            while depth and j < len(body):
                depth += {"(": 1, ")": -1}.get(body[j], 0)
                j += 1
            args = body[m.end():j - 1]
            lits = LITERAL.findall(args)
            if lits and not re.search(r"std::string\(\d+", args):
                parts.append(b"".join(unescape(x) for x in lits))
        if parts:
            yield parts


def write(corpus, data):
    os.makedirs(corpus, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(corpus, name), "wb") as f:
        f.write(data)


def session_seeds():
    corpus = os.path.join(HERE, "session_corpus")
    text = open(os.path.join(ROOT, "tests", "smtp", "session_test.cpp"), encoding="utf-8").read()
    streams = [b"".join(parts) for parts in call_arguments(text, "receive")]
    streams += [
        b"EHLO c\r\nSTARTTLS\r\n" b"EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n",
        b"EHLO c\r\nSTARTTLS\r\nMAIL FROM:<a@x>\r\n",
        b"EHLO c\r\nMAIL FROM:<a@x> SIZE=10 BODY=8BITMIME\r\nRCPT TO:<b@y> NOTIFY=SUCCESS,FAILURE "
        b"ORCPT=rfc822;b+40y\r\nRCPT TO:<r@y>\r\nRCPT TO:<t@y>\r\nDATA\r\n..x\r\n.\r\n"
        b"MAIL FROM:<> SMTPUTF8\r\nRCPT TO:<\xc3\xa9@y>\r\nDATA\r\n\xc3\xa9t\xc3\xa9\r\n.\r\nQUIT\r\n",
        b"EHLO c\r\nXFORWARD NAME=x ADDR=192.0.2.9 PROTO=ESMTP\r\nMAIL FROM:<a@x>\r\n"
        b"RCPT TO:<b@y>\r\nDATA\r\nbare\nlf\r\n.\r\nRSET\r\nHELO h\r\nVRFY x\r\nHELP\r\nNOOP\r\n",
    ]
    for stream in streams:
        # flags, then chunk lengths: whole, one byte at a time, and mixed.
        for header in (b"\x03\x00\x00\x00\x00", b"\x01\x01\x01\x01\x01", b"\x0b\x07\x1d\x03\x40",
                       b"\x23\x05\x00\x02\x11"):
            write(corpus, header + stream)
    write(corpus, b"\x17\x00\x00\x00\x00EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nx")
    write(corpus, b"\x14\x00\x00\x00\x00QUIT\r\n")


def reply_seeds():
    corpus = os.path.join(HERE, "reply_corpus")
    text = open(os.path.join(ROOT, "tests", "smtp", "client_protocol_test.cpp"),
                encoding="utf-8").read()
    streams = [b"".join(parts) for parts in call_arguments(text, "feed")]
    streams += [
        b"220 mx.example ESMTP\r\n250-mx.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
        b"250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n"
        b"250 XFORWARD NAME ADDR PROTO HELO\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
        b"354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: queued as 4Xy\r\n221 2.0.0 Bye\r\n",
        b"421 4.3.2 Service shutting down\r\n",
        b"550-5.7.1 first\n550-second\r\n550 5.7.1 third\r\n",
    ]
    for stream in streams:
        for header in (b"\x00\x00", b"\x01\x00", b"\x07\x02"):
            write(corpus, header + stream)


if __name__ == "__main__":
    session_seeds()
    reply_seeds()
    sys.exit(0)
