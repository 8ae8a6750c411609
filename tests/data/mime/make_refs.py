#!/usr/bin/env python3
"""Writes the expected outputs (.ref) for the golden .eml inputs in this folder.

Independent of the C++ code on purpose: a plain Python model of what the mime module must do.
  NAME.ref      content_entity(): the Content-* fields (raw bytes) + CRLF + body
  NAME.enc.ref  outer message after encryption: non-Content-* fields, the new Content-* fields in
                place of the first old one, MIME-Version: 1.0 prepended when absent, base64 body
                of the payload (here: the content entity itself stands in for the CMS blob),
                then the X-Sealgate-Encrypted info field
  NAME.dec.ref  that outer message decrypted again (X-Sealgate-* removed, inner Content-* fields
                and body restored, X-Sealgate-Decrypted appended)
Run it from this folder: python3 make_refs.py
"""
import base64
import glob
import re

CERT = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
ENC_TYPE = "application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m"
ENC_DISP = "attachment; filename=smime.p7m"


def crlf(b):
    return re.sub(rb"\r\n|\r|\n", b"\r\n", b)


def parse(b):
    fields, pos = [], 0
    while pos < len(b):
        eol = b.find(b"\r\n", pos)
        nxt = len(b) if eol < 0 else eol + 2
        line = b[pos:(len(b) if eol < 0 else eol)]
        if line == b"" and eol >= 0:
            return fields, b[nxt:], True
        if line[:1] in (b" ", b"\t"):
            fields[-1][1] += b[pos:nxt]
        else:
            fields.append([line.split(b":")[0].strip(), b[pos:nxt]])
        pos = nxt
    return fields, b"", False


def is_content(name):
    return name.lower().startswith(b"content-")


def content_entity(fields, body):
    return b"".join(r if r.endswith(b"\r\n") else r + b"\r\n"
                    for n, r in fields if is_content(n)) + b"\r\n" + body


def fold(name, value):
    text = " " + value
    chunks = re.findall(r"[ \t]*[^ \t]+|[ \t]+$", text)
    out, line, has = "", name + ":", False
    for c in chunks:
        if has and len(line) + len(c) > 78:
            out += line + "\r\n"
            line = ""
        line += c
        has = True
    return [name.encode(), (out + line + "\r\n").encode()]


def replace_content(fields, new):
    idx = next((i for i, (n, _) in enumerate(fields) if is_content(n)), len(fields))
    rest = [f for f in fields if not is_content(f[0])]
    idx = min(idx, len(rest))
    if rest and not rest[-1][1].endswith(b"\r\n"):
        rest[-1][1] += b"\r\n"
    return rest[:idx] + new + rest[idx:]


def remove_prefix(fields, prefix):
    return [f for f in fields if not f[0].lower().startswith(prefix.lower())]


def serialize(fields, body):
    return b"".join(r for _, r in fields) + b"\r\n" + body


for path in sorted(glob.glob("*.eml")):
    stem = path[:-4]
    data = crlf(open(path, "rb").read())
    fields, body, _ = parse(data)
    fields = remove_prefix(fields, b"x-sealgate-")
    inner = content_entity(fields, body)
    open(stem + ".ref", "wb").write(inner)

    new = [fold("Content-Type", ENC_TYPE), fold("Content-Transfer-Encoding", "base64"),
           fold("Content-Disposition", ENC_DISP)]
    outer = replace_content([list(f) for f in fields], new)
    if not any(n.lower() == b"mime-version" for n, _ in outer):
        outer.insert(0, fold("MIME-Version", "1.0"))
    b64 = base64.b64encode(inner)
    enc_body = b"".join(b64[i:i + 76] + b"\r\n" for i in range(0, len(b64), 76))
    outer.append(fold("X-Sealgate-Encrypted", f"smime; cert={CERT}; alg=aes256-cbc"))
    enc = serialize(outer, enc_body)
    open(stem + ".enc.ref", "wb").write(enc)

    f2, b2, _ = parse(enc)
    f2 = remove_prefix(f2, b"x-sealgate-")
    fi, bi, _ = parse(base64.b64decode(b2))
    f2 = replace_content(f2, [f for f in fi if is_content(f[0])])
    f2.append(fold("X-Sealgate-Decrypted", f"smime; cert={CERT}"))
    open(stem + ".dec.ref", "wb").write(serialize(f2, bi))
