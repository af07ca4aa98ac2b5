#!/usr/bin/env bash
# install-deps.sh — installs the Debian packages blizzard builds and tests with (idempotent).
set -euo pipefail
pkgs=(build-essential clang libclang-rt-dev pkg-config libsnappy-dev libdeflate-dev libxxhash-dev libzstd-dev liblz4-dev libyaml-dev libcurl4-openssl-dev libssl-dev libmicrohttpd-dev)
[ "${1:-}" = "--test" ] && pkgs+=(nodejs npm awscli prometheus)
missing=()
for p in "${pkgs[@]}"; do
  # node may come from elsewhere on the machine; only install Debian's if there is none
  if [ "$p" = nodejs ] && command -v node >/dev/null; then continue; fi
  if [ "$p" = npm ] && command -v npm >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "install-deps: apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
