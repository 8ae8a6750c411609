# tests/cli/lib.sh — helpers for the command-line tests: each test is a bash script that drives
# the real sealgate binary (and the independent peer tools) in a fresh temporary directory.
set -euo pipefail

SEALGATE=${SEALGATE:?path of the sealgate binary}
W=$(mktemp -d /tmp/sealgate-cli.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"

# Results go to fd 3 so that a checked command's own redirections cannot swallow them.
exec 3>&1
passed=0
failed=0
pass() { echo "PASS  $*" >&3; passed=$((passed + 1)); }
flunk() { echo "FAIL  $*" >&3; failed=$((failed + 1)); }
expect() { # expect <label> <command...>: the command must succeed
    local label=$1; shift
    if "$@"; then pass "$label"; else flunk "$label"; fi
}
expect_not() { # expect_not <label> <command...>: the command must fail
    local label=$1; shift
    if "$@"; then flunk "$label"; else pass "$label"; fi
}
finish() {
    echo "$passed passed, $failed failed" >&3
    [ "$failed" -eq 0 ]
}

# A deterministic byte stream of N bytes (AES-CTR keystream over zeros): test data that looks
# random but is the same on every run.
bytes() { head -c "$1" /dev/zero | openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000; }

# CRLF-canonical copy of a file.
crlf() { sed 's/\r$//; s/$/\r/' "$1"; }

# The body of a message (after the first empty line), base64-decoded: the DER of an S/MIME part.
smime_der() { sed '1,/^\r\{0,1\}$/d' "$1" | tr -d '\r' | base64 -d; }

# The unfolded value of the first header field NAME of a message ("" when absent).
header() {
    LC_ALL=C awk -v name="$1" 'BEGIN { IGNORECASE = 1; n = tolower(name) ":" }
        /^\r?$/ { exit }
        found && /^[ \t]/ { sub(/\r$/, ""); sub(/^[ \t]+/, " "); value = value $0; next }
        found { exit }
        tolower(substr($0, 1, length(n))) == n { sub(/\r$/, ""); value = substr($0, length(n) + 2); found = 1 }
        END { print value }' "$2"
}

# A message without its X-Sealgate-* fields (one line each, as sealgate writes them).
strip_info() {
    LC_ALL=C awk 'BEGIN { hdr = 1 }
        hdr && /^\r?$/ { hdr = 0 }
        hdr && /^X-Sealgate-/ { skip = 1; next }
        hdr && skip && /^[ \t]/ { next }
        { skip = 0; print }' "$1"
}

# Test messages, LF line endings: the filters accept LF or CRLF.
make_messages() {
    printf 'From: alice@a.example\nTo: bob@b.example\nSubject: plain ascii\nDate: Sun, 29 Nov 2026 12:00:00 +0000\nMessage-ID: <ascii@a.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nHello partner.\n' > ascii.eml
    { printf 'From: alice@a.example\nTo: bob@b.example\nSubject: latin1\nMIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n'
      printf 'Gr\xfc\xdfe aus K\xf6ln, \xe0 bient\xf4t. \xa9\n'; } > latin1.eml
    { printf 'From: alice@a.example\nTo: bob@b.example\nSubject: =?utf-8?q?utf-8_=C3=BC?=\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
      printf 'Grüße, 日本語, emoji 🔐\n'; } > utf8.eml
    { printf 'From: alice@a.example\nTo: bob@b.example\nSubject: attachment\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nsee attachment\n--b1\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="data.bin"\n\n'
      bytes 3000 | base64 -w 76
      printf -- '--b1--\n'; } > multipart.eml
    { printf 'From: alice@a.example\nTo: bob@b.example\nSubject: ten megabytes\nMIME-Version: 1.0\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n'
      bytes 7600000 | base64 -w 76; } > big.eml
}
MESSAGES="ascii latin1 utf8 multipart big"
