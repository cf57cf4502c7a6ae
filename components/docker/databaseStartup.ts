/**
 * Start-up wrapper for the official postgres image, run by /bin/sh as the container's entrypoint
 * (the root file system is read-only, so it cannot be uploaded as a file: Docker refuses uploads
 * into a read-only root).
 *
 * The data volume can outlive the stack's state (keepDataOnDestroy): after `pulumi destroy` and a
 * new `pulumi up`, the stack generates a new password while the database still holds the old one,
 * and Postgres applies POSTGRES_PASSWORD only on the very first start. So on every start this
 * wrapper sets the role's password to the one in the environment, over the container's local
 * socket (trusted by the image's pg_hba.conf), and only then lets the healthcheck pass.
 *
 * It does so from a background job and hands the container over to the image's own entrypoint at
 * once (`exec`): the entrypoint, then postgres after it steps down with gosu, is PID 1. So the stop
 * signal (SIGINT, the image's STOPSIGNAL) reaches the server directly, nothing stays root once the
 * password is aligned, and the wrapper needs no capability of its own: forwarding a signal from a
 * root process to postgres's would need CAP_KILL, which the container does not get. The job exits
 * 0 once done (postgres reaps it as PID 1 and treats only a non-zero exit of an unknown child as a
 * crash).
 */
export const PASSWORD_ALIGNED_MARKER = "/tmp/litellm-password-aligned";

export const DATABASE_STARTUP_SCRIPT = `set -u
rm -f ${PASSWORD_ALIGNED_MARKER}
align() {
  printf '%s\\n' 'ALTER ROLE :"role" WITH PASSWORD :'"'"'password'"'"';' |
    psql -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$POSTGRES_USER" -d postgres \\
      -v role="$POSTGRES_USER" -v password="$POSTGRES_PASSWORD" >/dev/null 2>&1
}
( until align; do sleep 0.2; done; touch ${PASSWORD_ALIGNED_MARKER}; exit 0 ) &
exec docker-entrypoint.sh "$@"
`;
