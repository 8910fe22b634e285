#!/usr/bin/env bash
# Dev stack of the portal: Dovecot (IMAP + LMTP) with a private configuration and spamd, all
# on loopback, all state under var/devstack/. Idempotent; run as root (CI and dev machines).
#
#   bash deploy/devstack.sh start    # start (or reconfigure) what is not running, write var/devstack/env
#   bash deploy/devstack.sh stop
#   bash deploy/devstack.sh status
#
# Ports come from the environment: IMAP_PORT (10143), LMTP_PORT (10024), SPAMD_PORT (10783),
# SUBMISSION_PORT (10025, Postfix smtpd delivering the académie's domain to Dovecot over LMTP).
# DEVSTACK_SPAMD=0 skips spamd, DEVSTACK_SMTP=0 skips Postfix.  After `start`:  set -a; . var/devstack/env; set +a
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DS="$ROOT/var/devstack"
IMAP_PORT="${IMAP_PORT:-10143}"
LMTP_PORT="${LMTP_PORT:-10024}"
SPAMD_PORT="${SPAMD_PORT:-10783}"
SUBMISSION_PORT="${SUBMISSION_PORT:-10025}"
MAIL_DOMAIN="${ACADEMIE_MAIL_DOMAIN:-ac-nancy-metz.fr}"
MASTER_USER="${IMAP_MASTER_USER_NAME:-webmail}"
QUOTA="${DEVSTACK_QUOTA:-2G}"
DOVECOT_CONF="$DS/dovecot/dovecot.conf"
BASE_DIR="$DS/run/dovecot"
# Unix sockets live in base_dir (108-byte path limit): a deep checkout uses a short path in /run.
if [ ${#BASE_DIR} -gt 60 ]; then
  BASE_DIR="/run/academie-dovecot-$(printf '%s' "$ROOT" | sha1sum | cut -c1-10)"
fi
SPAMD_PID="$DS/run/spamd.pid"
POSTFIX_DIR="$DS/postfix"

die() { echo "devstack: ERREUR: $*" >&2; exit 1; }
say() { echo "devstack: $*"; }

port_open() {  # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0 || return 1
}

wait_port() {  # name port seconds logfile
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    port_open 127.0.0.1 "$2" && return 0
    sleep 0.1
  done
  [ -f "$4" ] && tail -n 20 "$4" >&2
  die "$1 ne répond pas sur 127.0.0.1:$2 après $3 s (journal : $4)"
}

need_root() {
  [ "$(id -u)" -eq 0 ] || die "lancez ce script en root (Dovecot démarre en root puis abandonne ses droits)"
}

install_packages() {
  command -v dovecot >/dev/null 2>&1 && [ -x /usr/lib/dovecot/imap ] && [ -x /usr/lib/dovecot/lmtp ] \
    || bash "$ROOT/deploy/install-system.sh"
  command -v dovecot >/dev/null 2>&1 || die "dovecot introuvable après installation"
}

dovecot_running() {
  [ -f "$BASE_DIR/master.pid" ] && kill -0 "$(cat "$BASE_DIR/master.pid")" 2>/dev/null
}

spamd_running() {
  [ -f "$SPAMD_PID" ] && kill -0 "$(cat "$SPAMD_PID")" 2>/dev/null
}

make_dirs() {
  mkdir -p "$DS/dovecot" "$DS/log" "$DS/state" "$BASE_DIR" "$DS/mail" "$DS/run"
  chmod 755 "$DS" "$DS/dovecot" "$DS/run" "$BASE_DIR"
  chown mail:mail "$DS/mail"
  chmod 750 "$DS/mail"
}

master_password() {
  # Random master password generated once, kept in var/devstack/ (root only).
  if [ ! -s "$DS/master-password" ]; then
    (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$DS/master-password")
  fi
  local secret hash
  secret="$(cat "$DS/master-password")"
  if [ ! -s "$DS/master-users" ] || ! grep -q "^$MASTER_USER:" "$DS/master-users" \
    || [ "$DS/master-password" -nt "$DS/master-users" ]; then
    hash="$(doveadm -c "$DOVECOT_CONF" pw -s SSHA512 -p "$secret" 2>/dev/null || doveadm pw -s SSHA512 -p "$secret")"
    (umask 027; echo "$MASTER_USER:$hash" >"$DS/master-users")
  fi
  chgrp dovecot "$DS/master-users" && chmod 640 "$DS/master-users"
  [ -f "$DS/app-passwords" ] || : >"$DS/app-passwords"
  chgrp dovecot "$DS/app-passwords" && chmod 640 "$DS/app-passwords"
}

write_dovecot_conf() {
  local tmp="$DOVECOT_CONF.tmp"
  sed -e "s#@BASE_DIR@#$BASE_DIR#g" -e "s#@STATE_DIR@#$DS/state#g" -e "s#@LOG_DIR@#$DS/log#g" \
    -e "s#@DEVSTACK@#$DS#g" -e "s#@MAIL_DIR@#$DS/mail#g" -e "s#@IMAP_PORT@#$IMAP_PORT#g" \
    -e "s#@LMTP_PORT@#$LMTP_PORT#g" -e "s#@MASTER_USER@#$MASTER_USER#g" -e "s#@QUOTA@#$QUOTA#g" \
    -e "s#@MAIL_DOMAIN@#$MAIL_DOMAIN#g" "$ROOT/deploy/dovecot/dovecot.conf.in" >"$tmp"
  mv "$tmp" "$DOVECOT_CONF"
  doveconf -c "$DOVECOT_CONF" -n >/dev/null 2>"$DS/log/doveconf.err" \
    || { cat "$DS/log/doveconf.err" >&2; die "configuration Dovecot invalide ($DOVECOT_CONF)"; }
}

start_dovecot() {
  if dovecot_running; then
    doveadm -c "$DOVECOT_CONF" reload >/dev/null 2>&1 || true
    say "Dovecot déjà démarré (pid $(cat "$BASE_DIR/master.pid")), configuration rechargée"
  else
    port_open 127.0.0.1 "$IMAP_PORT" && die "le port IMAP $IMAP_PORT est déjà pris par un autre programme"
    # The daemon must not inherit our stdout/stderr: a caller reading them through a pipe (CI)
    # would otherwise wait for an end of file that never comes.
    dovecot -c "$DOVECOT_CONF" </dev/null >>"$DS/log/dovecot-start.log" 2>&1 \
      || { tail -n 20 "$DS/log/dovecot-start.log" "$DS/log/dovecot.log" >&2 || true; die "Dovecot n'a pas démarré"; }
    say "Dovecot démarré (IMAP 127.0.0.1:$IMAP_PORT, LMTP 127.0.0.1:$LMTP_PORT)"
  fi
  wait_port Dovecot "$IMAP_PORT" 15 "$DS/log/dovecot.log"
}

start_spamd() {
  [ "${DEVSTACK_SPAMD:-1}" = "1" ] || return 0
  if ! command -v spamd >/dev/null 2>&1; then
    say "spamd absent : ignoré (paquet Debian spamd)"
    return 0
  fi
  if spamd_running; then
    say "spamd déjà démarré (pid $(cat "$SPAMD_PID"))"
  else
    port_open 127.0.0.1 "$SPAMD_PORT" && die "le port spamd $SPAMD_PORT est déjà pris"
    spamd -d --listen="127.0.0.1:$SPAMD_PORT" -u nobody -x --allow-tell --pidfile="$SPAMD_PID" \
      -s "$DS/log/spamd.log" </dev/null >/dev/null 2>&1 || die "spamd n'a pas démarré (journal : $DS/log/spamd.log)"
    say "spamd démarré (127.0.0.1:$SPAMD_PORT)"
  fi
  wait_port spamd "$SPAMD_PORT" 60 "$DS/log/spamd.log"
}

postfix_running() {
  [ -d "$POSTFIX_DIR" ] && postfix -c "$POSTFIX_DIR" status >/dev/null 2>&1
}

start_postfix() {
  [ "${DEVSTACK_SMTP:-1}" = "1" ] || return 0
  command -v postfix >/dev/null 2>&1 || die "postfix introuvable (paquet Debian postfix)"
  mkdir -p "$POSTFIX_DIR/queue" "$POSTFIX_DIR/data"
  chown postfix "$POSTFIX_DIR/data"
  for name in main.cf master.cf; do
    sed -e "s#@DS@#$DS#g" -e "s#@LMTP_PORT@#$LMTP_PORT#g" -e "s#@SMTP_PORT@#$SUBMISSION_PORT#g" \
      -e "s#@MAIL_DOMAIN@#$MAIL_DOMAIN#g" "$ROOT/deploy/postfix/$name.in" >"$POSTFIX_DIR/$name"
  done
  if postfix_running; then
    postfix -c "$POSTFIX_DIR" reload >/dev/null 2>&1 || true
    say "Postfix déjà démarré, configuration rechargée"
  else
    port_open 127.0.0.1 "$SUBMISSION_PORT" && die "le port SMTP $SUBMISSION_PORT est déjà pris"
    postfix -c "$POSTFIX_DIR" set-permissions >/dev/null 2>&1 || true
    postfix -c "$POSTFIX_DIR" start </dev/null >"$DS/log/postfix-start.log" 2>&1 \
      || { cat "$DS/log/postfix-start.log" >&2; die "Postfix n'a pas démarré"; }
    say "Postfix démarré (SMTP 127.0.0.1:$SUBMISSION_PORT → LMTP Dovecot)"
  fi
  wait_port Postfix "$SUBMISSION_PORT" 20 "$DS/log/postfix.log"
}

write_env() {
  local tmp="$DS/env.tmp"
  (
    umask 077
    cat >"$tmp" <<ENV
# Written by deploy/devstack.sh; source it with:  set -a; . var/devstack/env; set +a
export IMAP_HOST=127.0.0.1
export IMAP_PORT=$IMAP_PORT
export IMAP_SECURITY=none
export IMAP_MASTER_USER=$MASTER_USER
export IMAP_MASTER_PASSWORD=$(cat "$DS/master-password")
export LMTP_HOST=127.0.0.1
export LMTP_PORT=$LMTP_PORT
export SPAMD_HOST=127.0.0.1
export SPAMD_PORT=$SPAMD_PORT
export SUBMISSION_HOST=127.0.0.1
export SUBMISSION_PORT=$SUBMISSION_PORT
export DEVSTACK_DIR=$DS
export DOVECOT_CONF=$DOVECOT_CONF
ENV
  )
  mv "$tmp" "$DS/env"
}

cmd_start() {
  need_root
  install_packages
  make_dirs
  write_dovecot_conf
  master_password
  start_dovecot
  start_postfix
  start_spamd
  write_env
  say "variables dans $DS/env"
}

cmd_stop() {
  if dovecot_running; then
    local pid
    pid="$(cat "$BASE_DIR/master.pid")"
    doveadm -c "$DOVECOT_CONF" stop >/dev/null 2>&1 || kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    say "Dovecot arrêté"
  else
    say "Dovecot n'était pas démarré"
  fi
  if postfix_running; then
    postfix -c "$POSTFIX_DIR" stop >/dev/null 2>&1 || true
    say "Postfix arrêté"
  fi
  if spamd_running; then
    local spid
    spid="$(cat "$SPAMD_PID")"
    kill "$spid"
    for _ in $(seq 50); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$SPAMD_PID"
    say "spamd arrêté"
  fi
}

cmd_status() {
  local rc=0
  if dovecot_running && port_open 127.0.0.1 "$IMAP_PORT"; then
    say "Dovecot : en marche (pid $(cat "$BASE_DIR/master.pid"), IMAP 127.0.0.1:$IMAP_PORT)"
  else
    say "Dovecot : arrêté"
    rc=1
  fi
  if postfix_running; then
    say "Postfix : en marche (SMTP 127.0.0.1:$SUBMISSION_PORT)"
  else
    say "Postfix : arrêté"
  fi
  if spamd_running; then
    say "spamd : en marche (pid $(cat "$SPAMD_PID"), 127.0.0.1:$SPAMD_PORT)"
  else
    say "spamd : arrêté"
  fi
  return $rc
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  restart) cmd_stop; cmd_start ;;
  *) echo "usage: $0 start|stop|status|restart" >&2; exit 2 ;;
esac
