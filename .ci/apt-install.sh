#!/usr/bin/env bash
# Installs Debian packages for a CI step: `bash .ci/apt-install.sh PACKAGE…`. Shared by
# install-redis.sh and install-chromium.sh, which decide first whether anything is missing.
set -euo pipefail

# Root (containers) runs apt directly; everyone else needs sudo. Fail loudly rather than guess.
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "apt-install.sh: not root and sudo is unavailable; install $* manually" >&2
    exit 1
  fi
fi

# `env` carries DEBIAN_FRONTEND through sudo, which would otherwise drop it from the environment.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -y
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
