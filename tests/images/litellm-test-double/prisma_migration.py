#!/usr/bin/env python3
"""TEST DOUBLE of litellm/proxy/prisma_migration.py (BerriAI/litellm), the one-shot migration entry point:
LiteLLM's Helm chart runs it in its migrations Job as `python litellm/proxy/prisma_migration.py`
(working directory /app; helm/litellm-helm/templates/migrations-job.yaml, with DISABLE_SCHEMA_UPDATE
forced to "false" there). Upstream it calls proxy_cli's run_server(["--skip_server_startup"]): the
proxy's whole set-up, database migrations included unless DISABLE_SCHEMA_UPDATE=true, without starting
the server (a failed database setup exits 1), then runs `prisma generate` and only logs its failure.
"""
import os
import subprocess
import sys

LITELLM = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       ".venv", "bin", "litellm")

code = subprocess.run([LITELLM, "--skip_server_startup"]).returncode
if code != 0:
    sys.exit(code)
print("INFO:     Running 'prisma generate'...", flush=True)
result = subprocess.run([os.environ.get("PRISMA_CLI_PATH") or "prisma", "generate"], capture_output=True, text=True)
print(f"INFO:     'prisma generate' stdout: {result.stdout}", flush=True)
if result.returncode != 0:
    print(f"INFO:     'prisma generate' failed with exit code {result.returncode}.", flush=True)
    print(f"ERROR:    'prisma generate' stderr: {result.stderr}", file=sys.stderr, flush=True)
