#!/usr/bin/env bash
# System packages the app and its tests need on Debian/Ubuntu: unixODBC with the MariaDB and
# SQLite ODBC drivers, MariaDB and PostgreSQL servers (the tests start their own instances on
# 127.0.0.1), Qt's runtime libraries, fonts and Xvfb; Node and npm for the Twilio API mock.
set -euo pipefail
PACKAGES=(
  unixodbc odbc-mariadb libsqliteodbc mariadb-server postgresql
  libegl1 libgl1 libnss3 libasound2 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
  libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xkb1
  libfontconfig1 fontconfig fonts-dejavu-core xvfb
)
# Node runs Prism (Twilio's API mock) for the contract tests; a machine with its own Node keeps it.
if ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=sudo
  else
    echo "These system packages are missing: ${missing[*]}" >&2
    echo "Install them as root:  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
echo "Installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
