#!/usr/bin/env python3
"""packaged-config.py — the package's /etc/sealgate/sealgate.toml from examples/sealgate.toml.

Usage: packaged-config.py EXAMPLE > sealgate.toml

The example documents every key with its default; the packaged file is the same text with the
store under /var/lib/sealgate (the unit's only writable path) and a header saying what to do
before the service is enabled. The example's store line must be there exactly once: a changed
example fails the package build rather than shipping a store in the working directory.
"""

import sys

STORE_LINE = 'path = "sealgate.db"\n'
PACKAGED_LINE = 'path = "/var/lib/sealgate/sealgate.db"\n'
HEADER = """\
# /etc/sealgate/sealgate.toml — the configuration of the packaged sealgate.
#
# Nothing runs until you enable the service. First, as the service user:
#   runuser -u sealgate -- sealgate init
# then set [smtp] next_hop and listen below (docs: /usr/share/doc/sealgate/install.md) and
#   systemctl enable --now sealgate
# `systemctl reload sealgate` makes a running gateway read this file again.
#
"""


def main():
    if len(sys.argv) != 2:
        print("usage: packaged-config.py EXAMPLE > sealgate.toml", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.readlines()
    hits = [i for i, line in enumerate(lines) if line == STORE_LINE]
    if len(hits) != 1:
        print(f"packaged-config.py: {sys.argv[1]}: expected one line {STORE_LINE.strip()!r}, "
              f"found {len(hits)}", file=sys.stderr)
        return 1
    lines[hits[0]] = PACKAGED_LINE
    sys.stdout.write(HEADER + "".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
