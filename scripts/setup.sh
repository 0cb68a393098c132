#!/usr/bin/env bash
# Installs what letsrobot needs on a Debian machine, then builds dist/letsrobot. Safe to run again.
#   ./scripts/setup.sh          what RUNNING needs: Bun (from npm; npm from apt when missing), ffmpeg, espeak-ng, sox, openssl
#   ./scripts/setup.sh --test   that, plus the tools the test suite uses
# Works as root with no stdin (CI) or as a user with sudo. Only npm and Debian mirrors are contacted.
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
for arg in "$@"; do
  case "$arg" in
    --test) with_tests=1 ;;
    -h|--help) sed -n '2,5p' "$0" | cut -c3-; exit 0 ;;
    *) echo "setup: unknown option $arg (use --test to install the test tools too)" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

# Debian packages, one a line. Running needs:
packages=(
  ffmpeg    # video and audio capture, encoding, streaming
  espeak-ng # speaks chat aloud
  sox       # plays the speech (at tts.volume)
  openssl   # makes the certificate of serve --tls self-signed
)
# The tests also need:
test_packages=(
  chromium          # viewer-page tests (headless)
  redis-server      # scale-out tests
  socat             # a pty pair for the emulated-Arduino tests
  qemu-user         # runs the ARM64 release binary on x86-64
  libc6-arm64-cross # the ARM64 loader and libc qemu-user runs it with
  nginx             # a real RTMP server (with the module below) for the RTMP tests
  libnginx-mod-rtmp
)
if [ "$with_tests" = 1 ]; then packages+=("${test_packages[@]}"); fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$package")
done
# Bun comes from npm; Debian's nodejs ships without npm, so npm comes from apt when it is missing.
BUN_VERSION=1.4.4
need_bun=0
if ! command -v bun >/dev/null 2>&1 || [ "$(bun --version 2>/dev/null)" != "$BUN_VERSION" ]; then need_bun=1; fi
if [ "$need_bun" = 1 ] && ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} with apt-get" >&2
  $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
if [ "$need_bun" = 1 ]; then
  echo "setup: installing bun $BUN_VERSION from npm" >&2
  $SUDO npm install --global --no-fund --no-audit "bun@$BUN_VERSION" >&2
  hash -r
fi

bun install --frozen-lockfile >&2 || bun install >&2
bun run build >&2
