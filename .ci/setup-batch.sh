#!/usr/bin/env bash
# Batch tests: a PostgreSQL server (the tests start their own on 127.0.0.1 from a temp data
# dir) and Java >= 17 for Spark local mode. Idempotent and non-interactive; the system
# PostgreSQL service is never started or enabled, and no default cluster is created.
set -euo pipefail

need=()
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
java_major() {
  java -version 2>&1 | head -n1 | sed -E 's/.*version "([0-9]+)(\.[0-9]+)*.*/\1/; s/^1$/8/'
}
if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ] 2>/dev/null; then
  need+=(openjdk-17-jre-headless)
fi

if [ "${#need[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then  # forbid starting services during the install
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  mkdir -p /etc/postgresql-common
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
  fi
  apt-get update
  apt-get install -y --no-install-recommends "${need[@]}"
  if command -v deb-systemd-helper >/dev/null 2>&1; then
    deb-systemd-helper disable postgresql.service >/dev/null 2>&1 || true
  fi
  if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null
java -version 2>&1 | head -n1
