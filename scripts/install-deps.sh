#!/bin/sh
# install-deps.sh — install every build and test dependency of sealgate on Debian 12.
#
# Usage: sudo scripts/install-deps.sh [--build]
#   --build   also configure and build sealgate into ./build afterwards.
#
# Only Debian package names are used; nothing is downloaded from anywhere else.
set -eu

# prometheus: only for `promtool check metrics` in the tests (docs/metrics.md); its own service
# is not needed (`systemctl disable --now prometheus` on a machine where it started).
# nsd, ldnsutils (ldns-keygen, ldns-signzone), gpg-wks-client: the key-discovery tests sign zones
# and serve them themselves (tests/e2e/dnsfixture.py); nsd's own service is not needed
# (`systemctl disable --now nsd` on a machine where it started). dns-root-data: the root trust
# anchor that `sealgate discover` validates with by default.
# postgresql: the tests start throwaway servers of their own (initdb, pg_ctl) for the PostgreSQL
# store; the packaged cluster is not used.
PACKAGES="
  build-essential cmake pkg-config ninja-build
  libssl-dev openssl
  librnp-dev rnp
  libasio-dev
  libgmime-3.0-dev
  libsqlite3-dev sqlite3
  libpq-dev postgresql
  libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libexpected-dev libidn2-dev
  libcpp-httplib-dev libargon2-dev libcurl4-openssl-dev
  libseccomp-dev
  libunbound-dev dns-root-data
  libgtest-dev libgmock-dev libbenchmark-dev
  gnupg gpgsm libnss3-tools sq
  nsd ldnsutils gpg-wks-client
  postfix swaks python3 prometheus
  debhelper mmdebstrap debian-archive-keyring systemd groff-base
  chromium chromium-driver python3-selenium
  ca-certificates
"

export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

# Postfix asks questions at install time; answer them so the install is headless.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
echo "postfix postfix/mailname string localhost" | $SUDO debconf-set-selections

$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $PACKAGES

if [ "${1:-}" = "--build" ]; then
  here=$(cd "$(dirname "$0")/.." && pwd)
  cmake -S "$here" -B "$here/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build "$here/build" -j2
fi
