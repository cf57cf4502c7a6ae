/**
 * Start-up wrapper for the official postgres image.
 *
 * The data volume can outlive the stack's state (keepDataOnDestroy): after `pulumi destroy` and a
 * new `pulumi up`, the stack generates a new password while the database still holds the old one,
 * and Postgres applies POSTGRES_PASSWORD only on the very first start. So on every start this
 * wrapper sets the role's password to the one in the environment, over the container's local
 * socket (trusted by the image's pg_hba.conf), and only then lets the healthcheck pass.
 */
export const DATABASE_STARTUP_SCRIPT_PATH = "/usr/local/bin/litellm-db-start.sh";
export const PASSWORD_ALIGNED_MARKER = "/tmp/litellm-password-aligned";

export const DATABASE_STARTUP_SCRIPT = `#!/bin/sh
set -u
rm -f ${PASSWORD_ALIGNED_MARKER}
docker-entrypoint.sh "$@" &
server=$!
# docker stop sends SIGINT (the image's STOPSIGNAL): pass it on, Postgres's fast shutdown.
trap 'kill -INT "$server" 2>/dev/null' TERM INT
align() {
  printf '%s\\n' 'ALTER ROLE :"role" WITH PASSWORD :'"'"'password'"'"';' |
    psql -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$POSTGRES_USER" -d postgres \\
      -v role="$POSTGRES_USER" -v password="$POSTGRES_PASSWORD" >/dev/null 2>&1
}
until align; do
  kill -0 "$server" 2>/dev/null || { wait "$server"; exit $?; }
  sleep 0.2
done
touch ${PASSWORD_ALIGNED_MARKER}
wait "$server"
status=$?
# A signal interrupts the first wait; wait again for the server's own exit status.
kill -0 "$server" 2>/dev/null && { wait "$server"; status=$?; }
exit "$status"
`;
