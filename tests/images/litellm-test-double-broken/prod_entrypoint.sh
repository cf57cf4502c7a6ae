#!/bin/sh
# TEST DOUBLE of a broken release's docker/prod_entrypoint.sh: the set-up alone (migrations) works,
# the server never comes up.
for arg in "$@"; do
  if [ "$arg" = "--skip_server_startup" ]; then
    exec litellm "$@"
  fi
done
echo "ERROR:    Traceback (most recent call last): ImportError: the proxy server of this release cannot start (test double of a broken release)" >&2
exit 1
