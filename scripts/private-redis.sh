#!/usr/bin/env bash
# Sourced by scripts/test.sh and bench/run.sh: start_private_redis starts a redis-server of this run's own on a free
# port with its data in a temporary folder, nothing saved, waits until it accepts connections, stops it on exit
# (an EXIT trap), and sets PRIVATE_REDIS to its address. Install redis-server first (both scripts do when root).

start_private_redis() {
  private_redis_dir="$(mktemp -d)"
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || shuf -i 20000-60000 -n 1)"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$private_redis_dir" --save "" --appendonly no --daemonize no \
    >"$private_redis_dir/redis.log" 2>&1 &
  private_redis_pid=$!
  trap stop_private_redis EXIT
  for _ in $(seq 1 100); do
    grep -q "Ready to accept connections" "$private_redis_dir/redis.log" 2>/dev/null && break
    if ! kill -0 "$private_redis_pid" 2>/dev/null; then
      echo "redis-server did not start:" >&2; cat "$private_redis_dir/redis.log" >&2; exit 1
    fi
    sleep 0.1
  done
  grep -q "Ready to accept connections" "$private_redis_dir/redis.log" \
    || { echo "redis-server is not ready:" >&2; cat "$private_redis_dir/redis.log" >&2; exit 1; }
  PRIVATE_REDIS="127.0.0.1:$port"
}

stop_private_redis() {
  kill "$private_redis_pid" 2>/dev/null || true
  wait "$private_redis_pid" 2>/dev/null || true
  rm -rf "$private_redis_dir"
}
