#!/usr/bin/env bash
# Installs the Debian packages the portal and its tests need (idempotent; root or sudo).
# Apps add their packages to PACKAGES below.
set -euo pipefail

PACKAGES=(
  gettext            # compilemessages
  chromium           # real-browser tests (Playwright drives /usr/bin/chromium)
  fonts-dejavu-core
  dovecot-imapd dovecot-lmtpd   # IMAP server of the dev stack
  spamd spamc        # SpamAssassin scoring
  postfix            # SMTP of the dev stack
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installation des paquets Debian : ${missing[*]}"
# Postfix must not configure or start Debian's default instance: the dev stack runs its own.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
