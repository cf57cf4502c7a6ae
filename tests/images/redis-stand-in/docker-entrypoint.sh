#!/bin/sh
# TEST DOUBLE of docker-library/redis docker-entrypoint.sh (same rules), on Debian's redis-server.
set -e

# first arg is `-f` or `--some-option`, or first arg is `something.conf`
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

# allow the container to be started with `--user`; as root, drop to the redis user
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
	find . \! -user redis -exec chown redis '{}' +
	exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

# set an appropriate umask (if one isn't set already)
um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi

if [ "$1" = 'redis-server' ]; then
	shift
	# The official image's compiled-in defaults (protected mode off, all addresses) come from a
	# file here, before the user's own config file and options, which therefore win.
	if [ -n "$1" ] && [ "${1#-}" = "$1" ]; then
		conf="$1"
		shift
		set -- redis-server /usr/local/etc/redis-stand-in/defaults.conf --include "$conf" "$@"
	else
		set -- redis-server /usr/local/etc/redis-stand-in/defaults.conf "$@"
	fi
fi

exec "$@"
