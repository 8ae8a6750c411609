#!/usr/bin/env python3
"""The ctest `labels`: every test of the suite has a label, and only the labels we know.

Usage: check_labels.py CTEST BUILD_DIR

Lists the tests with `ctest --show-only=json-v1` (the build directory as configured, including the
GoogleTest cases found at build time) and fails, naming the test, when one has no label or a label
that is not one of LABELS. The labels are described in the README's "Tests" section:
  unit     in-process and fast: the GoogleTest cases and corpus replays, these checks;
  interop  an independent implementation (openssl, gpgsm, cmsutil, gpg, sq, rnp) makes the input or
           checks the output;
  e2e      starts the real sealgate binary (the CLI scripts, the daemon tests);
  postfix  starts a private Postfix;
  slow     takes about a minute or more (`ctest -LE slow` leaves it out);
  package  the Debian package: its unit, manual page, and install/serve/purge in a fresh root.
"""

import json
import subprocess
import sys

LABELS = {"unit", "interop", "e2e", "postfix", "slow", "package"}


def main():
    if len(sys.argv) != 3:
        print("usage: check_labels.py CTEST BUILD_DIR", file=sys.stderr)
        return 2
    ctest, build = sys.argv[1], sys.argv[2]
    out = subprocess.run([ctest, "--test-dir", build, "--show-only=json-v1"], check=True,
                         stdout=subprocess.PIPE).stdout
    tests = json.loads(out)["tests"]
    errors = []
    count = {label: 0 for label in sorted(LABELS)}
    for test in tests:
        labels = set()
        for prop in test.get("properties", []):
            if prop["name"] == "LABELS":
                labels |= set(prop["value"])
        if not labels:
            errors.append(f"{test['name']}: no label (one of {', '.join(sorted(LABELS))}; see the "
                          f"README's \"Tests\" section)")
        for label in sorted(labels - LABELS):
            errors.append(f"{test['name']}: unknown label {label!r}")
        for label in labels & LABELS:
            count[label] += 1
    for e in errors:
        print(e)
    summary = ", ".join(f"{n} {label}" for label, n in count.items())
    if errors:
        print(f"labels: {len(errors)} problem(s) in {len(tests)} tests")
        return 1
    print(f"labels: all {len(tests)} tests labelled ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
