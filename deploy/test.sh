#!/usr/bin/env bash
# README "test" command: installs what the tests need, starts the dev stack (Dovecot, SMTP,
# spamd) and runs the whole suite on PostgreSQL and Redis (127.0.0.1:5432 and :6379).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-system.sh
bash deploy/install-python.sh
.venv/bin/python manage.py compilemessages -v 0 --ignore=.venv
if [ -f deploy/devstack.sh ]; then bash deploy/devstack.sh start; set -a; . var/devstack/env; set +a; fi
export DJANGO_SETTINGS_MODULE=academie.settings_test
exec .venv/bin/pytest "$@"
