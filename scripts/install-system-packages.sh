#!/usr/bin/env bash
# Install the Debian packages the control node and the lab hosts need.
# Lab hosts see the machine's /usr through an overlay and cannot download,
# so every package a role installs must already be here before `make lab-up`.
# Refreshes the apt cache only when a package is actually missing.
set -euo pipefail

packages=(
  openssh-server openssh-client sudo python3 python3-venv python3-apt
  openjdk-17-jre-headless iproute2 util-linux systemd dbus procps
  rsync git curl ca-certificates maven
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "system packages: all ${#packages[@]} present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "error: packages missing (${missing[*]}) and not running as root; run: sudo $0" >&2
  exit 1
fi

echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
