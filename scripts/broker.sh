#!/usr/bin/env bash
# Sourced by scripts/test.sh and bench/run.sh: provides a RabbitMQ broker and exports its address.
#
#   - uses TRUSTCHAIN_TEST_RABBITMQ_URI as it is when it is set (a broker of your own; nothing is started);
#   - otherwise uses the broker already answering on 127.0.0.1:$TRUSTCHAIN_TEST_RABBITMQ_PORT (default 5672);
#   - otherwise starts a private one (its data and logs in a temporary folder), installing rabbitmq-server from
#     Debian first when it is missing and we are root, and stops it again on exit.
# Afterwards TRUSTCHAIN_TEST_RABBITMQ_URI is set, and TRUSTCHAIN_TEST_RABBITMQCTL too when the broker is ours.

port="${TRUSTCHAIN_TEST_RABBITMQ_PORT:-5672}"
broker_dir=""
broker_node=""
broker_ctl=""
started_epmd=""

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_broker() {
  if [[ -n "$broker_node" ]]; then
    echo "Stopping the test broker $broker_node"
    # Given the pid file, stop also waits for the process to end.
    $broker_ctl stop "$broker_dir/pid" >/dev/null 2>&1 || kill "$(cat "$broker_dir/pid" 2>/dev/null)" 2>/dev/null || true
    if [[ -n "$started_epmd" ]]; then
      epmd -kill >/dev/null 2>&1 || true
    fi
  fi
  if [[ -n "$broker_dir" ]]; then
    rm -rf "$broker_dir"
  fi
}

start_broker() {
  if ! command -v rabbitmq-server >/dev/null 2>&1 && [[ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]; then
    if [[ "$(id -u)" != 0 ]]; then
      echo "rabbitmq-server is not installed and this is not root: install it (apt-get install rabbitmq-server)," >&2
      echo "or set TRUSTCHAIN_TEST_RABBITMQ_URI to a broker. The RabbitMQ tests cannot run without one." >&2
      exit 1
    fi
    echo "Installing rabbitmq-server"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update </dev/null
    apt-get install -y --no-install-recommends rabbitmq-server </dev/null
  fi

  # Debian's installation may have started its own broker (where init scripts may run): use it then.
  if answers "$port"; then
    return
  fi

  # The scripts themselves rather than Debian's wrappers, which would switch to the rabbitmq user: the broker runs
  # as whoever runs the tests, with everything it writes (data, logs, Erlang cookie) in one temporary folder.
  local bin=/usr/lib/rabbitmq/bin
  [[ -x "$bin/rabbitmq-server" ]] || bin="$(dirname "$(readlink -f "$(command -v rabbitmq-server)")")"
  broker_dir="$(mktemp -d /tmp/trustchain-rabbitmq.XXXXXX)"
  broker_node="trustchain-test-$$@localhost"
  broker_ctl="env HOME=$broker_dir $bin/rabbitmqctl -n $broker_node"
  # The broker starts Erlang's port mapper if none answers; then it is ours to stop too.
  if ! epmd -names >/dev/null 2>&1; then
    started_epmd=1
  fi
  touch "$broker_dir/enabled_plugins"
  echo "Starting a private RabbitMQ broker $broker_node on port $port (files in $broker_dir)"
  (
    export HOME="$broker_dir"
    export RABBITMQ_NODENAME="$broker_node"
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    export RABBITMQ_NODE_PORT="$port"
    export RABBITMQ_DIST_PORT="$((port + 20000))"
    export RABBITMQ_MNESIA_BASE="$broker_dir/mnesia"
    export RABBITMQ_LOG_BASE="$broker_dir/log"
    export RABBITMQ_PID_FILE="$broker_dir/pid"
    export RABBITMQ_ENABLED_PLUGINS_FILE="$broker_dir/enabled_plugins"
    exec "$bin/rabbitmq-server" </dev/null >"$broker_dir/server.out" 2>&1
  ) &
  if ! $broker_ctl wait "$broker_dir/pid" --timeout 120 >/dev/null || ! $broker_ctl await_startup --timeout 120 >/dev/null; then
    echo "The test broker did not start:" >&2
    cat "$broker_dir/server.out" >&2 || true
    tail -n 50 "$broker_dir"/log/*.log >&2 || true
    exit 1
  fi
  export TRUSTCHAIN_TEST_RABBITMQCTL="$broker_ctl"
}

if [[ -z "${TRUSTCHAIN_TEST_RABBITMQ_URI:-}" ]]; then
  trap stop_broker EXIT
  if ! answers "$port"; then
    start_broker
  else
    echo "Using the RabbitMQ broker already answering on 127.0.0.1:$port"
  fi
  export TRUSTCHAIN_TEST_RABBITMQ_URI="amqp://guest:guest@127.0.0.1:$port/"
fi

