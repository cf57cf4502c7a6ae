#!/bin/sh
# TEST DOUBLE of docker-library/haproxy docker-entrypoint.sh (same rules), on Debian's haproxy.
set -e

# first arg is `-f` or `--some-option`
if [ "${1#-}" != "$1" ]; then
	set -- haproxy "$@"
fi

if [ "$1" = 'haproxy' ]; then
	shift # "haproxy"
	# -W: master-worker mode (reload with SIGUSR2); -db: no background mode
	set -- haproxy -W -db "$@"
fi

exec "$@"
