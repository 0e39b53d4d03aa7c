#!/usr/bin/env bash
# PostgreSQL and Redis for the tests that run on them (make test). Machines of this project's kind start
# both before a session; anywhere else, install Debian's packages and start them here, trusting local TCP.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
install() {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! pg_up; then
  command -v pg_ctlcluster >/dev/null 2>&1 || { echo "Installing PostgreSQL from Debian's packages…"; install postgresql; }
  version=$(ls /etc/postgresql | sort -V | tail -1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  grep -q "song-studio tests" "$hba" || sed -i "1i host all postgres 127.0.0.1/32 trust # song-studio tests" "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster "$version" main reload
  for _ in $(seq 30); do pg_up && break; sleep 1; done
fi

if ! redis_up; then
  command -v redis-server >/dev/null 2>&1 || { echo "Installing Redis from Debian's packages…"; install redis-server; }
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 30); do redis_up && break; sleep 1; done
fi

pg_up && redis_up
