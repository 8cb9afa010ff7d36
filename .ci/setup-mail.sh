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
  apt-get update
  apt-get install -y --no-install-recommends postfix
fi
# the package enables its unit; this instance is never the system MTA
if command -v systemctl >/dev/null 2>&1; then
  systemctl disable postfix >/dev/null 2>&1 || true
fi
# pipe(8) runs the filter as an unprivileged user: it must be able to read the interpreter
# and the code (a venv under a root-only home gives "execvp ... Permission denied")
echo "setup-mail: ok ($(/usr/sbin/postconf -d mail_version 2>/dev/null || echo 'postfix'))"
