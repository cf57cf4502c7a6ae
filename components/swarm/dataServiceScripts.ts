/**
 * Start-up of the bundled Postgres and Redis on Swarm, with their passwords as secret files.
 *
 * Postgres: the official image reads POSTGRES_PASSWORD_FILE, but applies it only when it creates
 * the database. The data volume outlives the stack (it is kept on destroy), and a new stack
 * generates a new password, so on every start a job beside the server sets the role's password to
 * the one in the file over the container's local socket (trusted by the image), and only then lets
 * the healthcheck pass (the same design as the dev stack's database, components/docker/). The password reaches psql through its environment and `\getenv` (psql 15+),
 * not its command line, which any process in the container could read.
 *
 * Redis: the secret is a one-line redis.conf (`requirepass ...`) given to redis-server as its
 * configuration file, so the password is on no command line; the task runs as the image's redis
 * user from the start (bundledServices.ts), and the entrypoint, seeing no root, just sets its umask
 * and execs redis-server.
 */
export const POSTGRES_STARTUP_PATH = "/usr/local/bin/aiterm-postgres-start";
export const POSTGRES_READY_MARKER = "/tmp/aiterm-postgres-password-aligned";
export const POSTGRES_PASSWORD_FILE = "postgres-password";
export const REDIS_AUTH_CONFIG_FILE = "redis-auth.conf";
export const POSTGRES_DATA_DIRECTORY = "/var/lib/postgresql/data";
export const REDIS_DATA_DIRECTORY = "/data";

export const POSTGRES_STARTUP_SCRIPT = `#!/bin/sh
# aiterm-litellm: the bundled Postgres on Swarm (components/swarm/dataServiceScripts.ts).
set -u
rm -f ${POSTGRES_READY_MARKER}
align() {
  AITERM_ROLE_PASSWORD=$(cat "$POSTGRES_PASSWORD_FILE") || return 1
  export AITERM_ROLE_PASSWORD
  printf '%s\\n' '\\getenv password AITERM_ROLE_PASSWORD' 'ALTER ROLE :"role" WITH PASSWORD :'"'"'password'"'"';' |
    psql -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$POSTGRES_USER" -d postgres -v role="$POSTGRES_USER" >/dev/null 2>&1
}
# Beside the server, not in front of it: the entrypoint is exec'd below and becomes PID 1, so Swarm's
# stop signal (SIGINT, Postgres' fast shutdown) reaches the server itself and no root process has to
# signal it (which would need CAP_KILL). The job exits 0: Postgres, as PID 1, reaps it and treats a
# non-zero exit of a child it does not know as a crash.
(
  until align; do sleep 0.2; done
  unset AITERM_ROLE_PASSWORD
  touch ${POSTGRES_READY_MARKER}
  exit 0
) &
exec docker-entrypoint.sh "$@"
`;

/** pg_isready answers once TCP connections are accepted; the marker once the password is aligned. */
export function postgresHealthcheck(user: string, database: string): string[] {
    return ["CMD-SHELL", `pg_isready -q -h 127.0.0.1 -U ${user} -d ${database} && test -e ${POSTGRES_READY_MARKER}`];
}

/** The Redis secret's content: a configuration file with only the password in it. */
export function redisAuthConfig(password: string): string {
    if (!/^[A-Za-z0-9]+$/.test(password)) {
        // A generated password is alphanumeric; anything else would need quoting in redis.conf.
        throw new RangeError("the bundled Redis password must be letters and digits");
    }
    return `requirepass ${password}\n`;
}

/** redis-server with the secret as its configuration, append-only persistence on the volume. */
export function redisArgs(): string[] {
    return ["redis-server", `/run/secrets/${REDIS_AUTH_CONFIG_FILE}`, "--appendonly", "yes", "--dir", REDIS_DATA_DIRECTORY];
}

/** `redis-cli ping` authenticated through REDISCLI_AUTH (redis-cli's own variable), never on its command line. */
export function redisHealthcheck(): string[] {
    return ["CMD-SHELL", `REDISCLI_AUTH="$(sed -n 's/^requirepass //p' /run/secrets/${REDIS_AUTH_CONFIG_FILE})" redis-cli ping | grep -q PONG`];
}
