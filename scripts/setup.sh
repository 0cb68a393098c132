#!/usr/bin/env bash
# Installs what letsrobot needs on a Debian machine that has Node and apt: Bun from npm, media and test
# tools from apt, then the JavaScript dependencies, then builds dist/letsrobot. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

BUN_VERSION=1.4.4
if ! command -v bun >/dev/null 2>&1 || [ "$(bun --version 2>/dev/null)" != "$BUN_VERSION" ]; then
  echo "setup: installing bun $BUN_VERSION from npm" >&2
  $SUDO npm install --global --no-fund --no-audit "bun@$BUN_VERSION" >&2
fi

# Debian packages: ffmpeg (media), espeak-ng (speech), chromium (viewer-page tests), redis (scale-out tests),
# sox (audio checks), socat (a pty pair for the emulated-Arduino tests)
need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v sox >/dev/null 2>&1 || need+=(sox)
command -v socat >/dev/null 2>&1 || need+=(socat)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]} with apt-get" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

bun install --frozen-lockfile >&2 || bun install >&2
bun run build >&2
