#!/bin/sh
# build-deb.sh — build the Debian package sealgate_VERSION_ARCH.deb with debhelper (debian/).
#
# Usage: scripts/build-deb.sh [--from-build BUILD_DIR] [--out DIR]
#
#   (no option)             a full package build (dpkg-buildpackage -b): CMake + Ninja in
#                           obj-*/, tests and benchmarks off, Debian's hardening flags; the .deb
#                           lands in the source tree's parent folder, as dpkg-buildpackage does.
#   --from-build BUILD_DIR  package the sealgate binary already built in that CMake build
#                           directory (`cmake --build BUILD_DIR` first) instead of building the
#                           tree again: debian/rules' SEALGATE_PREBUILT. The packaging runs in a
#                           scratch copy of debian/, so the tree is left as it was. The package
#                           test (tests/package/) builds this way, in seconds.
#   --out DIR               where the .deb goes (default: the source tree's parent folder).
#
# Needs debhelper and dpkg-dev (scripts/install-deps.sh installs them). Prints the path of the
# .deb on its last line.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
prebuilt=""
out=$(dirname "$here")
while [ $# -gt 0 ]; do
  case "$1" in
    --from-build) prebuilt=$(cd "$2" && pwd); shift 2 ;;
    --out) out=$(cd "$2" && pwd); shift 2 ;;
    *) echo "usage: scripts/build-deb.sh [--from-build BUILD_DIR] [--out DIR]" >&2; exit 2 ;;
  esac
done

if [ -z "$prebuilt" ]; then
  cd "$here"
  dpkg-buildpackage -b -us -uc
  debs=$(ls "$(dirname "$here")"/sealgate_*.deb)
  if [ "$out" != "$(dirname "$here")" ]; then
    mv $debs "$out"/
  fi
else
  if [ ! -x "$prebuilt/src/app/sealgate" ]; then
    echo "build-deb.sh: no sealgate binary in $prebuilt/src/app (build it first)" >&2
    exit 1
  fi
  # The files debian/rules reads, in a scratch tree beside the output: the tree stays clean
  # and two builds do not share debhelper's work files.
  scratch=$(mktemp -d "$out/sealgate-deb.XXXXXX")
  trap 'rm -rf "$scratch"' EXIT
  mkdir "$scratch/src"
  cp -r "$here/debian" "$scratch/src/"
  for f in scripts/gen-manpage.py examples/sealgate.toml \
           $(cat "$here/debian/sealgate.docs" "$here/debian/sealgate.examples"); do
    mkdir -p "$scratch/src/$(dirname "$f")"
    cp "$here/$f" "$scratch/src/$f"
  done
  # Debug symbols of a development build are no use in this package: no -dbgsym.
  (cd "$scratch/src" &&
   SEALGATE_PREBUILT="$prebuilt" DEB_BUILD_OPTIONS="noddebs ${DEB_BUILD_OPTIONS:-}" \
     dpkg-buildpackage -b -us -uc --no-check-builddeps)
  mv "$scratch"/sealgate_*.deb "$out"/
fi
ls "$out"/sealgate_*.deb | tail -n 1
