#!/bin/sh
# Installs letsrobot from the release files next to this script (install.sh, SHA256SUMS and the .deb or the
# binary for this machine), then runs `letsrobot doctor`. For a Raspberry Pi with 64-bit Raspberry Pi OS
# (Pi 3, 4, 5, Zero 2) or any Debian/Ubuntu on arm64 or x86-64.
#   sh install.sh                       the Debian package, with ffmpeg and espeak-ng from apt (uses sudo)
#   sh install.sh --binary              only the binary, into /usr/local/bin (install ffmpeg and espeak-ng yourself)
#   sh install.sh --binary --prefix DIR only the binary, into DIR/bin (no root needed)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mode=deb
prefix=/usr/local
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) mode=binary ;;
    -h|--help) sed -n '2,7p' "$0" | cut -c3-; exit 0 ;;
    --prefix) [ $# -ge 2 ] || { echo "install: --prefix needs a directory" >&2; exit 2; }; prefix=$2; shift ;;
    *) echo "install: unknown option $1 (use --binary, --prefix DIR, --help)" >&2; exit 2 ;;
  esac
  shift
done

case "$(uname -m)" in
  x86_64 | amd64) suffix=linux-x64 debian=amd64 ;;
  aarch64 | arm64) suffix=linux-arm64 debian=arm64 ;;
  armv6l | armv7l)
    echo "install: this is 32-bit ARM; letsrobot needs a 64-bit OS: flash 64-bit Raspberry Pi OS (Pi 3, 4, 5, Zero 2 run it)" >&2
    exit 1 ;;
  *) echo "install: no letsrobot build for $(uname -m) (there are x86-64 and arm64 ones)" >&2; exit 1 ;;
esac

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

if [ "$mode" = deb ]; then
  file=$(ls "$here"/letsrobot_*_"$debian".deb 2>/dev/null | tail -n 1)
else
  file="$here/letsrobot-$suffix"
fi
if [ -z "$file" ] || [ ! -f "$file" ]; then
  echo "install: no $( [ "$mode" = deb ] && echo "letsrobot_*_$debian.deb" || echo "letsrobot-$suffix") next to install.sh in $here" >&2
  echo "hint: download it from the same release into this folder" >&2
  exit 1
fi
if [ -f "$here/SHA256SUMS" ]; then
  (cd "$here" && grep " $(basename "$file")\$" SHA256SUMS | sha256sum -c --quiet -) || {
    echo "install: $(basename "$file") does not match SHA256SUMS: download it again" >&2
    exit 1
  }
else
  echo "install: no SHA256SUMS next to install.sh: the download is not checked" >&2
fi

if [ "$mode" = deb ]; then
  echo "install: installing $(basename "$file") with apt-get" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "$file" >&2
  bin=/usr/bin/letsrobot
else
  bin="$prefix/bin/letsrobot"
  run=""
  if ! { mkdir -p "$prefix/bin" 2>/dev/null && [ -w "$prefix/bin" ]; }; then run=$SUDO; fi
  $run mkdir -p "$prefix/bin"
  $run install -m 755 "$file" "$bin"
  echo "install: installed $bin" >&2
fi

"$bin" --version
# doctor as the user who will run the robot (not root under sudo): config, camera, mic, speech, serial ports
status=0
if [ -n "${SUDO_USER:-}" ] && [ "$(id -u)" = "0" ]; then
  sudo -u "$SUDO_USER" "$bin" doctor || status=$?
else
  "$bin" doctor || status=$?
fi
cat >&2 <<EOF

next: letsrobot run            starts the robot and prints the page to open on your phone
      letsrobot init           writes a commented letsrobot.toml to change the defaults
EOF
if [ "$mode" = deb ]; then
  echo "      sudo systemctl enable --now letsrobot@${SUDO_USER:-$(id -un)}   keeps it running at boot" >&2
else
  echo "      sudo letsrobot service install                 keeps it running at boot" >&2
fi
if [ "$status" != 0 ]; then echo "install: letsrobot is installed; doctor found a problem above (exit $status): fix it before running the robot" >&2; fi
exit 0
