#!/usr/bin/env python3
"""Seed corpus for tests/app/fuzz_config.cpp: examples/sealgate.toml, each of its sections alone,
and the mistakes load_config must refuse (wrong types, unknown keys, syntax errors, negative
numbers, mixed arrays), plus the snippets the e2e tests write.
Run from the repository root: python3 tests/data/app/make_seeds.py"""
import hashlib
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OUT = os.path.join(ROOT, "tests", "data", "app", "config_corpus")

seeds = []
example = open(os.path.join(ROOT, "examples", "sealgate.toml"), "rb").read()
seeds.append(example)
# Each [section] of the example on its own, uncommented.
uncommented = re.sub(rb"(?m)^#\s?(\w+\s*=)", rb"\1", example)
seeds.append(uncommented)
for section in re.split(rb"(?m)^(?=\[)", uncommented):
    seeds.append(section)
seeds += [
    b"",
    b'[smtp]\nnext_hop = "127.0.0.1:2525"\n',
    b'[smtp]\nrelay_networks = ["10.0.0.0/8", 7]\n',
    b"[smtp]\nmax_message_size = -1\n",
    b"[smtp]\nmax_recipients = 1e3\n",
    b"[smtp]\nworkers = 9223372036854775807\nrelay_starttls = false\n",
    b'[store]\npath = "/var/lib/sealgate/s.db"\nmaster_key = "/etc/sealgate/master.key"\nlog_retention = 0\n',
    b'[tls]\ncertificate = "c.pem"\nprivate_key = "k.pem"\n',
    b"[limits]\nmax_header_bytes = 65536\n",
    b"[limits]\nmax_header_bytes = 65536\nunknown = 1\n",
    b"[smpt]\n",
    b'[smtp\nlisten = "x"\n',
    b'smtp = "flat"\n',
    b'[smtp]\nlisten = """multi\nline"""\nhostname = \'literal\'\n',
    b"[[smtp]]\nlisten = 1\n",
    b'[smtp.inner]\nx = 1\n',
    b'[smtp]\nhostname = "\\u00e9\\U0001F600"\ncommand_timeout = 0x10\ndata_timeout = 1_000\n',
    b"a = [[[[[[[[[[1]]]]]]]]]]\n",
    b"t = { a = { b = { c = 1 } } }\nd = 1979-05-27T07:32:00Z\n",
]
os.makedirs(OUT, exist_ok=True)
for s in seeds:
    with open(os.path.join(OUT, hashlib.sha1(s).hexdigest()), "wb") as f:
        f.write(s)
