#!/usr/bin/env python3
"""Seed corpus for tests/address/fuzz_address.cpp: every string literal of
tests/address/address_test.cpp, under both charsets (byte 0: 0 ascii, 1 utf8).
Run from the repository root: python3 tests/data/address/make_seeds.py"""
import hashlib
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tests", "data", "smtp"))
from make_seeds import LITERAL, unescape  # noqa: E402

OUT = os.path.join(ROOT, "tests", "data", "address", "address_corpus")
text = open(os.path.join(ROOT, "tests", "address", "address_test.cpp"), encoding="utf-8").read()
os.makedirs(OUT, exist_ok=True)
for lit in sorted(set(LITERAL.findall(text))):
    data = unescape(lit)
    for prefix in (b"\x00", b"\x01"):
        seed = prefix + data
        with open(os.path.join(OUT, hashlib.sha1(seed).hexdigest()), "wb") as f:
            f.write(seed)
