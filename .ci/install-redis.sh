#!/usr/bin/env bash
# Installs redis-server for the Redis-backed test tier (vitest.redis.config.ts), whose global setup
# spawns a real redis-server behind the local Upstash REST emulation. Idempotent: a no-op when the
# binary is already on PATH, so CI can call it unconditionally before every run.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  echo "redis-server already installed: $(redis-server --version)"
  exit 0
fi

# Root (containers) runs apt directly; everyone else needs sudo. Fail loudly rather than guess.
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-redis.sh: not root and sudo is unavailable; install redis-server manually" >&2
    exit 1
  fi
fi

# `env` carries DEBIAN_FRONTEND through sudo, which would otherwise drop it from the environment.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -y
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server

# The package may also register a system service; the tests never use it (they spawn their own
# server on a free port), so it is left alone.
echo "redis-server installed: $(redis-server --version)"
