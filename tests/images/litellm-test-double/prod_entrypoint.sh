#!/bin/sh
# Same contract as LiteLLM's docker/prod_entrypoint.sh: run `litellm` with the container's
# arguments, replacing the shell (the proxy is PID 1 and receives the stop signal).
exec litellm "$@"
