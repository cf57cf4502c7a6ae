#!/usr/bin/env bash
# Entrypoint of the postgres stand-in: a small re-implementation of the official image's
# docker-entrypoint.sh (first-start initialisation driven by POSTGRES_* variables, then
# `exec postgres`, so the server is PID 1 of the container).
set -Eeuo pipefail

log() { printf '%s [entrypoint] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$*"; }
die() { printf '%s [entrypoint] error: %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "$*" >&2; exit 1; }

# file_env VAR [DEFAULT]: VAR or VAR_FILE (Docker secrets), as in the official image
file_env() {
	local var="$1" fileVar="${1}_FILE" def="${2:-}"
	if [ -n "${!var:-}" ] && [ -n "${!fileVar:-}" ]; then
		die "both $var and $fileVar are set (but are exclusive)"
	fi
	local val="$def"
	if [ -n "${!var:-}" ]; then
		val="${!var}"
	elif [ -n "${!fileVar:-}" ]; then
		val="$(< "${!fileVar}")"
	fi
	export "$var"="$val"
	unset "$fileVar"
}

# `docker run IMAGE -c foo=bar` means `postgres -c foo=bar`
if [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi

if [ "$1" != 'postgres' ]; then
	exec "$@"
fi

# As root, what the official entrypoint's docker_create_db_directories does, in its order and with
# its tolerated failures (docker-library/postgres docker-entrypoint.sh), then step down to postgres
# with gosu as it does. That order decides which capabilities a container started with
# `--cap-drop ALL` needs, so it must be upstream's, not merely equivalent:
# - the chmods may fail (no CAP_FOWNER on a directory postgres owns): upstream ignores that;
# - `find` has to read PGDATA, 0700 and owned by postgres after the first start: root needs
#   CAP_DAC_OVERRIDE (or CAP_DAC_READ_SEARCH) for it, and without it the entrypoint fails (set -e);
# - `chown` runs only on what postgres does not own yet (a tmpfs mounted on /var/run/postgresql, a
#   volume another image's postgres UID wrote): CAP_CHOWN;
# - gosu calls setgroups, setgid and setuid: CAP_SETGID and CAP_SETUID. It is an ordinary
#   binary, so `no-new-privileges` does not stop it.
if [ "$(id -u)" = '0' ]; then
	mkdir -p "$PGDATA"
	chmod 00700 "$PGDATA" || :
	mkdir -p /var/run/postgresql || :
	chmod 03775 /var/run/postgresql || :
	find "$PGDATA" \! -user postgres -exec chown postgres '{}' +
	find /var/run/postgresql \! -user postgres -exec chown postgres '{}' +
	exec gosu postgres "${BASH_SOURCE[0]}" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	POSTGRES_HOST_AUTH_METHOD="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"

	if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != 'trust' ]; then
		cat >&2 <<-'EOM'
			Error: Database is uninitialized and superuser password is not specified.
			       You must specify POSTGRES_PASSWORD to a non-empty value for the
			       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

			       (POSTGRES_HOST_AUTH_METHOD=trust would allow connections without a
			       password; do not use it outside throw-away tests.)
		EOM
		exit 1
	fi

	log "initialising a new database cluster in $PGDATA (user: $POSTGRES_USER, database: $POSTGRES_DB)"
	initdb_args=(--username="$POSTGRES_USER" --encoding=UTF8 --locale=C.UTF-8)
	# shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is word-split on purpose, as upstream
	if [ -n "$POSTGRES_PASSWORD" ]; then
		# the password goes through a pipe: never on a command line, never in SQL text
		initdb "${initdb_args[@]}" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS >/dev/null
	else
		initdb "${initdb_args[@]}" $POSTGRES_INITDB_ARGS >/dev/null
	fi

	# local socket: trust (as upstream); TCP from anywhere: password (scram-sha-256 by default)
	printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >> "$PGDATA/pg_hba.conf"

	# temporary server on the unix socket only, so nothing connects before init is complete
	pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w -s start

	psql_run() { psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --username "$POSTGRES_USER" "$@"; }
	exists="$(psql_run --dbname postgres --tuples-only --no-align --set db="$POSTGRES_DB" <<-'EOSQL'
		SELECT 1 FROM pg_database WHERE datname = :'db' ;
	EOSQL
	)"
	if [ -z "$exists" ]; then
		psql_run --dbname postgres --quiet --set db="$POSTGRES_DB" <<-'EOSQL'
			CREATE DATABASE :"db" ;
		EOSQL
	fi

	shopt -s nullglob
	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
			*.sh)     log "running $f"; . "$f" ;;
			*.sql)    log "running $f"; psql_run --dbname "$POSTGRES_DB" -f "$f" ;;
			*.sql.gz) log "running $f"; gunzip -c "$f" | psql_run --dbname "$POSTGRES_DB" ;;
			*)        log "ignoring $f" ;;
		esac
	done
	shopt -u nullglob

	pg_ctl -D "$PGDATA" -m fast -w -s stop
	unset POSTGRES_PASSWORD
	log "initialisation complete; starting the server"
else
	log "existing database cluster in $PGDATA; skipping initialisation (POSTGRES_* variables are ignored)"
fi

# the server replaces this script: it is PID 1 of the container
exec "$@"
