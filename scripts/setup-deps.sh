#!/usr/bin/env bash
# Install the Debian packages that building and testing ivrd needs.
#
# Packages already installed are left alone; `apt-get update` and
# `apt-get install` run only when something is missing. Runs as root, or
# through sudo when started by another user.
#
#   scripts/setup-deps.sh            install what is missing
#   scripts/setup-deps.sh --check    list what is missing, install nothing
#                                    (exit 1 if anything is missing)
#   scripts/setup-deps.sh --list     print the package list and exit
#
# IVRD_SKIP_DEPS=1 skips this script entirely (for machines that are not
# Debian, or whose packages are managed another way).
set -euo pipefail

# The one list. Add a package by adding a line to its group; the groups are
# documentation only, every package is installed.
PACKAGES=(
  # Toolchain and build system.
  build-essential
  g++
  make
  cmake
  pkg-config
  git
  clang-format

  # Tests (Catch2 v2).
  catch2

  # Product libraries: audio files, resampling, FFTs (echo canceller),
  # command lines, speech.
  libsndfile1-dev
  libfftw3-dev
  libspeexdsp-dev
  libboost-program-options-dev
  libespeak-ng-dev
  espeak-ng-data
  # The configuration file (TOML, read by ivrd::ivr's loader).
  libtomlplusplus-dev
  # ALSA: a sound device (a headset) as an extension port.
  libasound2-dev
  # The daemon: sd_notify and the watchdog (libsystemd), the store (SQLite),
  # the control socket's JSON messages (nlohmann's JSON for Modern C++).
  libsystemd-dev
  libsqlite3-dev
  nlohmann-json3-dev
  # systemd-analyze checks the units in systemd/; bash-completion names the
  # folder ivrctl's completion is installed into.
  systemd
  bash-completion

  # Call-progress tones: libtonezone's country tone tables (built-in data,
  # read by ivrd::dsp; no DAHDI device is opened). Its header includes
  # <dahdi/user.h>, which Debian ships only in dahdi-source; the DAHDI backend
  # (driver_glue/src/dahdi/) includes it too.
  libtonezone-dev
  dahdi-source

  # The DAHDI backend's tests on the real kernel driver (tests/dahdi_vm/):
  # a QEMU guest (software emulation) with DAHDI's modules built from
  # Debian's dahdi-dkms; the rig downloads the guest's kernel and DAHDI
  # packages itself (apt-get download) into a cache outside the tree.
  qemu-system-x86
  cpio
  kmod
  gcc-12
  libc6-dev

  # Benchmarks and the accuracy comparator only; never linked into the product.
  libbenchmark-dev
  libspandsp-dev
)

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
}

mode=install
for arg in "$@"; do
  case "$arg" in
    --check) mode=check ;;
    --list) mode=list ;;
    -h | --help) usage; exit 0 ;;
    *) echo "setup-deps: unknown argument '$arg' (try --help)" >&2; exit 64 ;;
  esac
done

if [[ "$mode" == list ]]; then
  printf '%s\n' "${PACKAGES[@]}"
  exit 0
fi

if [[ "${IVRD_SKIP_DEPS:-0}" == 1 ]]; then
  echo "setup-deps: IVRD_SKIP_DEPS=1, not checking packages"
  exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup-deps: dpkg-query not found: this script installs Debian packages only." >&2
  echo "setup-deps: install the equivalents of these by hand, then set IVRD_SKIP_DEPS=1:" >&2
  printf '  %s\n' "${PACKAGES[@]}" >&2
  exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != installed ]]; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "setup-deps: missing: ${missing[*]}"
if [[ "$mode" == check ]]; then
  exit 1
fi

if [[ "$(id -u)" == 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
  # No terminal to ask for a password on (CI, cron): fail at once instead of hanging.
  if [[ ! -t 0 ]]; then
    as_root=(sudo -n)
  fi
else
  echo "setup-deps: installing packages needs root: run this script as root," >&2
  echo "setup-deps: or install sudo, or install the missing packages above by hand." >&2
  exit 1
fi

apt_env=(env DEBIAN_FRONTEND=noninteractive)
if ! "${as_root[@]}" "${apt_env[@]}" apt-get update -q; then
  echo "setup-deps: 'apt-get update' failed (no root rights, or no package mirror reachable)" >&2
  exit 1
fi
if ! "${as_root[@]}" "${apt_env[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  echo "setup-deps: could not install: ${missing[*]}" >&2
  exit 1
fi
echo "setup-deps: installed ${#missing[@]} package(s)"
