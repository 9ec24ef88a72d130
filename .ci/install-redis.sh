#!/usr/bin/env bash
# Installs redis-server for the Redis-backed test tier (vitest.redis.config.ts), whose global setup
# spawns a real redis-server behind the local Upstash REST emulation. Idempotent: a no-op when the
# binary is already on PATH, so CI can call it unconditionally before every run.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  echo "redis-server already installed: $(redis-server --version)"
  exit 0
fi

bash "$(dirname "$0")/apt-install.sh" redis-server

# The package may also register a system service; the tests never use it (they spawn their own
# server on a free port), so it is left alone.
echo "redis-server installed: $(redis-server --version)"
