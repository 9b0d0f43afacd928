#!/bin/sh
# Installs what the probe's real-server tests need, idempotently: Dovecot (IMAP, LMTP), Postfix,
# openssl from Debian packages, and Courier-IMAP unpacked into a private root (it conflicts with
# dovecot-imapd as an installed package). Run as root.
set -eu
COURIER_ROOT="${PROBE_COURIER_ROOT:-/opt/probe-courier/root}"
export DEBIAN_FRONTEND=noninteractive

missing=""
for p in dovecot-imapd dovecot-lmtpd postfix openssl libidn12 libltdl7 libpcre3 libgdbm6 libgnutls30; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq $missing
fi
# The packaged services are not used: the tests run their own instances on free high ports.

if [ ! -x "$COURIER_ROOT/usr/sbin/couriertcpd" ]; then
  dl="$(mktemp -d)"
  chmod 755 "$dl"
  ( cd "$dl" && apt-get download courier-imap courier-base courier-authlib libcourier-unicode4 libgamin0 >/dev/null 2>&1 ) || {
    apt-get update -qq
    ( cd "$dl" && apt-get download courier-imap courier-base courier-authlib libcourier-unicode4 libgamin0 )
  }
  mkdir -p "$COURIER_ROOT"
  for f in "$dl"/*.deb; do dpkg -x "$f" "$COURIER_ROOT"; done
  rm -rf "$dl"
fi
echo "mail servers ready (courier root: $COURIER_ROOT)"
