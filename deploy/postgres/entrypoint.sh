#!/bin/bash
# Starts PostgreSQL for deploy/compose.yaml's profile "postgres" (deploy/postgres/Containerfile).
# On first start (an empty $PGDATA) it creates the cluster: superuser $POSTGRES_USER with the
# password in the file $POSTGRES_PASSWORD_FILE (initdb reads it from there: it is in no argument
# and no environment), database $POSTGRES_DB owned by it, password (SCRAM) logins over TCP from
# anywhere; the Unix socket, inside this container only, trusts its users. Then, and on every
# later start, it runs the server listening on all addresses.
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
say() { echo "yoga-postgres: $*" >&2; }

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  password_file=${POSTGRES_PASSWORD_FILE:-}
  if [ -z "$password_file" ] || [ ! -s "$password_file" ]; then
    say "POSTGRES_PASSWORD_FILE (${password_file:-unset}) is not a file holding the password;" \
      "run deploy/make-secrets.sh"
    exit 1
  fi
  say "creating the database cluster in $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
  initdb --pgdata="$PGDATA" --username="$POSTGRES_USER" --pwfile="$password_file" \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  # Other containers connect over the project's network, with the password.
  printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    # A server on the socket only while the database is made: health checks over TCP fail
    # until the real one listens.
    pg_ctl --pgdata="$PGDATA" --silent --wait \
      -o "-c listen_addresses='' -c unix_socket_directories=/tmp" start
    psql --host=/tmp --username="$POSTGRES_USER" --dbname=postgres --quiet --no-psqlrc \
      --set=ON_ERROR_STOP=1 --set=db="$POSTGRES_DB" --set=owner="$POSTGRES_USER" \
      <<<'CREATE DATABASE :"db" OWNER :"owner";'
    pg_ctl --pgdata="$PGDATA" --silent --wait --mode=fast stop
  fi
fi
# The socket in /tmp: the root filesystem is read-only, /tmp a tmpfs (compose.yaml).
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp
