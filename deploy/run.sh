#!/usr/bin/env bash
# README "run" command: from a fresh Debian machine to a running portal with demo data.
# Embedded defaults: SQLite in var/, local-memory cache, eager Celery (see README to use
# PostgreSQL and Redis instead).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-system.sh
bash deploy/install-python.sh
export DEBUG=${DEBUG:-1}
mkdir -p var
.venv/bin/python manage.py compilemessages -v 0 --ignore=.venv
.venv/bin/python manage.py migrate --noinput -v 0
if [ -f deploy/devstack.sh ]; then bash deploy/devstack.sh start; set -a; . var/devstack/env; set +a; fi
.venv/bin/python manage.py demo_data
echo
echo "Portail : http://127.0.0.1:${PORT:-8000}/"
exec .venv/bin/python manage.py runserver "127.0.0.1:${PORT:-8000}"
