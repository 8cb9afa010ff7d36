#!/usr/bin/env bash
# Mail pipeline tests: install Postfix (never enabled or started as a system service; the tests
# run a throw-away instance on loopback under a temp dir). Idempotent and non-interactive.
set -euo pipefail
if command -v postfix >/dev/null 2>&1 && [ -x /usr/sbin/postconf ]; then
  echo "setup-mail: postfix already installed"
else
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  echo "postfix postfix/mailname string localhost.localdomain" | debconf-set-selections
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then  # forbid starting the system service on install
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  apt-get update
  apt-get install -y --no-install-recommends postfix
  if [ "$created_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
# the package enables its unit; this instance is never the system MTA
if command -v systemctl >/dev/null 2>&1; then
  systemctl disable postfix >/dev/null 2>&1 || true
fi
# pipe(8) runs the filter as an unprivileged user: it must be able to read the interpreter
# and the code (a venv under a root-only home gives "execvp ... Permission denied")
echo "setup-mail: ok ($(/usr/sbin/postconf -d mail_version 2>/dev/null || echo 'postfix'))"
