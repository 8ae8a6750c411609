#!/usr/bin/env python3
"""gen-manpage.py — write the manual page sealgate(8) from the binary's own help texts.

Usage: gen-manpage.py SEALGATE > sealgate.8

Runs `SEALGATE --help`, then `SEALGATE SUB --help` for every subcommand the help lists, down
to the leaves, and writes one roff page (man(7) macros): NAME, SYNOPSIS, DESCRIPTION, the global
OPTIONS, one COMMANDS subsection per subcommand with its usage, positionals and options, then
the fixed sections FILES, ENVIRONMENT, EXIT STATUS and SEE ALSO. Because the page is made from
the help, it names every subcommand there is; the help texts stay the one place to write them.

The help is CLI11's layout: an optional description line, "Usage: ...", then sections
("Options:", "Positionals:", "Subcommands:") of entries "  NAME   description", a description
that does not fit continuing on lines indented past the name column. A layout this script does
not recognise is an error (exit 1), not a page with holes.
"""

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

SECTION = re.compile(r"^([A-Z][A-Za-z ]*):$")
ENTRY = re.compile(r"^  (\S.*?)(?:\s{2,}(\S.*))?$")
CONTINUATION = re.compile(r"^\s{6,}(\S.*)$")


class HelpError(Exception):
    pass


def run_help(binary, path):
    p = subprocess.run([binary] + path + ["--help"], capture_output=True, text=True,
                       timeout=30, env=dict(os.environ, COLUMNS="100"))
    if p.returncode != 0:
        raise HelpError(f"`sealgate {' '.join(path + ['--help'])}` exited {p.returncode}: "
                        f"{p.stderr.strip()}")
    return p.stdout


def parse_help(text, path):
    """{"description": str, "usage": str, "sections": {name: [(entry, description)]}}"""
    lines = text.rstrip("\n").split("\n")
    doc = {"description": "", "usage": "", "sections": {}}
    current = None
    for line in lines:
        if not line.strip():
            continue
        if line.startswith("Usage: "):
            # The binary's own path is whatever ran it; the page names the installed command.
            words = line[len("Usage: "):].split(" ", 1)
            doc["usage"] = "sealgate" + (" " + words[1] if len(words) > 1 else "")
            continue
        m = SECTION.match(line)
        if m:
            current = doc["sections"].setdefault(m.group(1), [])
            continue
        if current is None:
            doc["description"] = (doc["description"] + " " + line.strip()).strip()
            continue
        m = CONTINUATION.match(line)
        if m and current:
            name, desc = current[-1]
            current[-1] = (name, (desc + " " + m.group(1)).strip())
            continue
        m = ENTRY.match(line)
        if not m:
            raise HelpError(f"sealgate {' '.join(path)} --help: unexpected line {line!r}")
        current.append((m.group(1).strip(), (m.group(2) or "").strip()))
    if not doc["usage"]:
        raise HelpError(f"sealgate {' '.join(path)} --help: no Usage line")
    return doc


def walk(binary):
    """[(path, doc)] for the top command and every subcommand below, depth first in the order
    the help lists them. The helps of one level run side by side (each is a process start)."""
    docs = {}
    level = [()]
    with ThreadPoolExecutor(max_workers=4) as pool:
        while level:
            found = pool.map(lambda p: (p, parse_help(run_help(binary, list(p)), list(p))), level)
            level = []
            for path, doc in found:
                docs[path] = doc
                level += [path + (name,) for name, _ in doc["sections"].get("Subcommands", [])]

    def ordered(path):
        out = [(list(path), docs[path])]
        for name, _ in docs[path]["sections"].get("Subcommands", []):
            out += ordered(path + (name,))
        return out
    return ordered(())


def roff(text):
    """Text safe in a roff line: backslashes escaped, hyphens minus signs (options are typed
    as ASCII hyphens), a line never starting with a control character."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    # groff reads the page as Latin-1 unless told otherwise: name every other character.
    text = "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in text)
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def entries(lines, items, bold):
    for name, desc in items:
        if name.startswith("-h,--help"):
            continue
        lines.append(".TP")
        lines.append((".B " if bold else ".I ") + roff(name))
        lines.append(roff(desc) if desc else "\\&")


FIXED_DESCRIPTION = """\
.B sealgate
is an email encryption gateway for domain\\-to\\-domain encryption. It runs as an SMTP content
filter between the own mail server and the internet (\\fBserve\\fR): outbound mail to a partner
domain is encrypted to the partner's domain certificate (S/MIME) or OpenPGP domain key, inbound
mail encrypted to the own domain's certificate or key is decrypted, and the result is relayed
to the next hop. It answers 250 to the end of DATA only after the next hop accepted every copy.
.PP
The other subcommands manage the store: the own and the partners' certificates and keys, their
trust, the domains and their policy, the mail and audit logs, the accounts of the admin
listener, and the signed update bundles exchanged with partner gateways. \\fBencrypt\\fR and
\\fBdecrypt\\fR run the daemon's pipeline on one message from standard input.
.PP
Run the commands that write the store as the service user (for instance
\\fBrunuser \\-u sealgate \\-\\- sealgate ...\\fR), so that the daemon can still open every
file of it. Errors are one line on standard error and a non\\-zero exit status."""

FIXED_TAIL = """\
.SH FILES
.TP
.I /etc/sealgate/sealgate.toml
The configuration, read when no \\fB\\-\\-config\\fR is given and SEALGATE_CONFIG is unset. Every
key is in it with its default and a comment.
.TP
.I /var/lib/sealgate/sealgate.db
The store (SQLite, with its \\fI\\-wal\\fR and \\fI\\-shm\\fR files), created by \\fBsealgate init\\fR.
.TP
.I /var/lib/sealgate/sealgate.db.key
The master key that seals the private keys in the store (mode 0600); made by \\fBsealgate init\\fR.
Back it up apart from the store.
.TP
.I /lib/systemd/system/sealgate.service
The systemd unit (Type=notify, user sealgate); installed but not enabled.
.SH ENVIRONMENT
.TP
.B SEALGATE_CONFIG
The configuration file when \\fB\\-\\-config\\fR is not given.
.TP
.B SEALGATE_STORE
The store file when \\fB\\-\\-store\\fR is not given (before the configuration file's).
.SH EXIT STATUS
.TP
.B 0
Success.
.TP
.B 1
A refusal or an error that trying again will not change (bad input, unknown name, a policy
that refuses).
.TP
.B 75
A temporary failure (EX_TEMPFAIL): trying again later may succeed (the store was locked).
.TP
.B 70
An internal error (EX_SOFTWARE): a bug; please report it.
.SH SEE ALSO
.BR systemctl (1),
.BR journalctl (1),
.BR postconf (5),
/usr/share/doc/sealgate/install.md,
/usr/share/doc/sealgate/postfix.md"""


def page(binary):
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30,
                             check=True).stdout.strip()
    commands = walk(binary)
    top = commands[0][1]
    lines = [
        '.\\" Generated by scripts/gen-manpage.py from `sealgate --help`; do not edit.',
        f'.TH SEALGATE 8 "" "{roff(version)}" "System Administration"',
        ".SH NAME",
        "sealgate \\- " + roff(re.sub(r"^sealgate\W+", "", top["description"])),
        ".SH SYNOPSIS",
        ".B sealgate",
        "[\\fB\\-c\\fR \\fICONFIG\\fR] [\\fB\\-\\-store\\fR \\fISTORE\\fR] \\fICOMMAND\\fR "
        "[\\fISUBCOMMAND\\fR] [\\fIOPTIONS\\fR]",
        ".SH DESCRIPTION",
        FIXED_DESCRIPTION,
        ".SH OPTIONS",
    ]
    entries(lines, top["sections"].get("Options", []), bold=True)
    lines.append(".SH COMMANDS")
    for path, doc in commands[1:]:
        lines.append(f'.SS "{roff("sealgate " + " ".join(path))}"')
        if doc["description"]:
            lines.append(roff(doc["description"]))
        lines.append(".PP")
        lines.append(".B Usage:")
        lines.append(roff(doc["usage"]))
        for section, bold in (("Positionals", False), ("Options", True),
                              ("Subcommands", True)):
            items = [i for i in doc["sections"].get(section, []) if not i[0].startswith("-h,")]
            if items:
                lines.append(".PP")
                lines.append(f".I {section}:")
                entries(lines, items, bold)
        for section in doc["sections"]:
            if section not in ("Positionals", "Options", "Subcommands"):
                raise HelpError(f"sealgate {' '.join(path)} --help: unknown section {section!r}")
    lines.append(FIXED_TAIL)
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) != 2:
        print("usage: gen-manpage.py SEALGATE > sealgate.8", file=sys.stderr)
        return 2
    try:
        sys.stdout.write(page(sys.argv[1]))
    except (HelpError, subprocess.SubprocessError, OSError) as e:
        print(f"gen-manpage.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
