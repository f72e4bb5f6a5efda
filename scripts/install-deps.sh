#!/usr/bin/env bash
# Installs what mtls needs to build and test on Debian 12 (or a close Ubuntu).
#   bash scripts/install-deps.sh [--clang]
set -euo pipefail

packages=(
    build-essential cmake ninja-build
    libboost1.81-all-dev libmbedtls-dev libssl-dev
    openssl curl gnutls-bin nghttp2-client
    tshark tcpdump doxygen
)
# --clang: clang and its sanitizer and libFuzzer runtimes, for the sanitizer
# builds and the fuzz targets.
if [[ ${1:-} == --clang ]]; then
    packages+=(clang libclang-rt-dev)
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-deps.sh: run as root or install sudo" >&2; exit 1; }
    sudo=(sudo)
fi

# Only touch apt when something is missing (keeps repeated runs fast and offline).
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
        missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
