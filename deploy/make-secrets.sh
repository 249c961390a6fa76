#!/usr/bin/env bash
# Writes the two compose secrets of the profile "postgres" from one new random password:
#   DIR/db_password    the password alone (postgres reads it through POSTGRES_PASSWORD_FILE)
#   DIR/database_url   postgresql://yoga:PASSWORD@postgres:5432/yoga?sslmode=disable
#                      (yoga-planner-pg and yoga-session-pg read it with --database_file)
#   deploy/make-secrets.sh [DIR]     (default: $YOGA_SECRETS_DIR, else deploy/secrets)
# DIR is made mode 0700, the files 0644: the containers' users (999 for postgres, 10001 for the
# servers) read them through their bind mounts, the host's other users cannot reach them.
# Existing files are kept (the password is fixed once postgres has created its volume).
# The password is hex, so the URL needs no percent-encoding; it never appears in an argument.
set -euo pipefail

dir=${1:-${YOGA_SECRETS_DIR:-$(dirname "${BASH_SOURCE[0]}")/secrets}}
if [ -e "$dir/db_password" ] || [ -e "$dir/database_url" ]; then
  echo "make-secrets: $dir already holds db_password or database_url; nothing written" >&2
  exit 0
fi
install -d -m 0700 "$dir"
umask 022
password=$(openssl rand -hex 24)
# printf is a bash builtin: the password is in no process's arguments.
printf '%s' "$password" >"$dir/db_password"
printf 'postgresql://yoga:%s@postgres:5432/yoga?sslmode=disable\n' "$password" >"$dir/database_url"
echo "make-secrets: wrote $dir/db_password and $dir/database_url" >&2
