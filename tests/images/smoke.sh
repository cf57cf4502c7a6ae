#!/usr/bin/env bash
# End-to-end smoke check of the test images with plain `docker` and python3 on the host.
# Builds (cached) via build.sh, starts postgres stand-in + LiteLLM test double on a private
# network, checks the contract, and removes everything it created (trap on EXIT).
#
#   bash tests/images/smoke.sh
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
P="aiterm-smoke-$$"
NET="$P-net" VOL="$P-pgdata" PG="$P-pg" PROXY="$P-proxy"
TMP="$(mktemp -d)"
T0=$(date +%s.%N)
PASSES=0

elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }'; }
say() { printf '[smoke %6s] %s\n' "$(elapsed)" "$*"; }
ok() { PASSES=$((PASSES + 1)); printf '[smoke %6s] ok   %s\n' "$(elapsed)" "$*"; }
fail() {
	printf '[smoke %6s] FAIL %s\n' "$(elapsed)" "$*" >&2
	for c in "$PG" "$PROXY" "$PROXY-2"; do
		if docker container inspect "$c" >/dev/null 2>&1; then
			echo "---- last logs of $c ----" >&2; docker logs --tail 25 "$c" >&2 2>&1 || true
		fi
	done
	exit 1
}

cleanup() {
	local rc=$?
	docker rm -f "$PG" "$PROXY" "$PROXY-2" "$P-once" >/dev/null 2>&1 || true
	docker network rm "$NET" >/dev/null 2>&1 || true
	docker volume rm "$VOL" >/dev/null 2>&1 || true
	rm -rf "$TMP"
	if [ $rc -eq 0 ]; then say "PASSED ($PASSES checks) in $(elapsed)"; else say "FAILED (exit $rc) after $(elapsed)"; fi
}
trap cleanup EXIT
trap 'fail "command failed (line $LINENO): $BASH_COMMAND"' ERR

# --------------------------------------------------------------------------------- images
bash "$HERE/build.sh" | sed 's/^/    /'
read -r PG_IMAGE LITELLM_IMAGE < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["postgresImage"], d["litellmImage"])' "$HERE/.refs.json")
say "postgres image: $PG_IMAGE"
say "litellm image:  $LITELLM_IMAGE"

# --------------------------------------------------------------------------------- helpers
# api METHOD PATH [KEY] [JSON] -> sets STATUS and BODY (PORT = published host port of the proxy)
cat > "$TMP/api.py" <<'PY'
import json, sys, urllib.request, urllib.error
method, url, key, data = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
req = urllib.request.Request(url, method=method, data=data.encode() if data else None)
if key:
    req.add_header("Authorization", f"Bearer {key}")
if data:
    req.add_header("Content-Type", "application/json")
try:
    with urllib.request.urlopen(req, timeout=10) as r:
        status, body = r.status, r.read()
except urllib.error.HTTPError as e:
    status, body = e.code, e.read()
except Exception as e:
    status, body = 0, repr(e).encode()
sys.stdout.write(f"{status} {body.decode()}")
PY
api() {
	local out
	out="$(python3 "$TMP/api.py" "$1" "http://127.0.0.1:$PORT$2" "${3:-}" "${4:-}")"
	STATUS="${out%% *}" BODY="${out#* }"
}
# jcheck PYTHON_EXPR: evaluate against d = json.loads(BODY)
jcheck() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$BODY" "$1"; }
jget() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$BODY" "$1"; }
expect() { # expect STATUS DESCRIPTION [PYEXPR]
	[ "$STATUS" = "$1" ] || fail "$2: expected HTTP $1, got $STATUS: ${BODY:0:300}"
	if [ -n "${3:-}" ]; then jcheck "$3" || fail "$2: body check '$3' failed: ${BODY:0:300}"; fi
	ok "$2"
}
wait_until() { # wait_until SECONDS DESCRIPTION COMMAND...
	local secs="$1" what="$2"; shift 2
	local end=$(( $(date +%s) + secs ))
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || fail "timed out after ${secs}s waiting for: $what"
		sleep 0.2
	done
}
health_is() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null)" = "$2" ]; }
ready_is() { api GET /health/readiness; [ "$STATUS" = "$1" ]; }
details_db_is() { api GET /health/readiness/details "$MASTER_KEY"; [ "$STATUS" = 200 ] && jcheck "d['db'] == '$1'"; }

# --------------------------------------------------------------------------------- secrets
# a password with every character that usually breaks URLs and shells
PG_PASSWORD='p@ss:w/rd?#%&*()-_=+[]{}<>!x'
PG_PASSWORD_ENC="$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PG_PASSWORD")"
MASTER_KEY="sk-smoke-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
DATABASE_URL="postgresql://llmproxy:$PG_PASSWORD_ENC@$PG:5432/litellm"

cat > "$TMP/config.yaml" <<'YAML'
model_list:
  - model_name: smoke-model
    litellm_params:
      model: openai/gpt-4o-mini
      api_key: os.environ/SMOKE_PROVIDER_KEY_NOT_SET
  - model_name: local-llama
    litellm_params:
      model: ollama/llama3
      api_base: http://host.docker.internal:11434
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
  database_url: os.environ/DATABASE_URL
litellm_settings:
  drop_params: true
  max_budget: 100
  budget_duration: 30d
YAML

# --------------------------------------------------------------------------------- images' static contract
docker run --rm --entrypoint /bin/sh "$LITELLM_IMAGE" -c '! command -v curl && ! command -v wget && command -v python3' >/dev/null \
	|| fail "litellm image: expected python3 and neither curl nor wget"
ok "litellm image: python3 present, no curl, no wget"
[ "$(docker image inspect -f '{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Config.WorkingDir}}' "$LITELLM_IMAGE")" \
	= '["/app/docker/prod_entrypoint.sh"] ["--port","4000"] /app' ] || fail "litellm image: entrypoint/cmd/workdir"
ok "litellm image: entrypoint docker/prod_entrypoint.sh, CMD --port 4000, workdir /app"
# laid out like the real image (docker/Dockerfile.database): root, a root-owned /app/.venv nobody else
# may write, root's home closed to others, Prisma baked under /opt/prisma for every UID
[ "$(docker image inspect -f '{{.Config.User}}' "$LITELLM_IMAGE")" = "" ] || fail "litellm image: expected to run as root"
docker run --rm --user 1000 --entrypoint /bin/sh "$LITELLM_IMAGE" -c '
	[ "$HOME" = / ] && ! touch /app/.venv/lib/python3.13/site-packages/litellm_proxy_extras/x 2>/dev/null &&
	! touch /app/.venv/lib/python3.13/site-packages/litellm/proxy/_experimental/out/x 2>/dev/null &&
	! ls /root >/dev/null 2>&1 && ! mkdir /.cache 2>/dev/null &&
	[ -x "$PRISMA_BINARY_CACHE_DIR/node_modules/.bin/prisma" ] && [ "$PRISMA_BINARY_CACHE_DIR" = /opt/prisma/binaries ]' \
	|| fail "litellm image: layout as UID 1000 (HOME=/, package dirs and /root closed, Prisma baked and readable)"
ok "litellm image: as UID 1000, HOME is /, package directories and /root are not writable, Prisma is baked at /opt/prisma"

out="$(docker run --rm -e POSTGRES_PASSWORD= "$PG_IMAGE" 2>&1)" && fail "postgres started with an empty POSTGRES_PASSWORD"
grep -q 'superuser password is not specified' <<<"$out" || fail "postgres: unclear message for empty password: $out"
ok "postgres refuses to initialise with an empty POSTGRES_PASSWORD"

# --------------------------------------------------------------------------------- postgres
docker network create "$NET" >/dev/null
docker volume create "$VOL" >/dev/null
start_pg() {
	docker run -d --name "$PG" --network "$NET" --restart unless-stopped \
		-e POSTGRES_USER=llmproxy -e POSTGRES_PASSWORD="$PG_PASSWORD" -e POSTGRES_DB=litellm \
		-v "$VOL:/var/lib/postgresql/data" \
		--health-cmd 'pg_isready -U llmproxy -d litellm' --health-interval 1s --health-timeout 3s --health-retries 30 \
		"$PG_IMAGE" >/dev/null
}
start_pg
wait_until 60 "postgres healthy" health_is "$PG" healthy
ok "postgres healthy (pg_isready healthcheck)"
# as upstream, pg_isready can answer from the socket-only temporary server during first init,
# so wait for the init to finish (the real server replaces the entrypoint as PID 1)
pid1_is_postgres() { [ "$(docker exec "$PG" cat /proc/1/comm 2>/dev/null)" = postgres ]; }
wait_until 30 "postgres server is PID 1" pid1_is_postgres
ok "postgres server is PID 1"
# over the network, from another container (inside its own container, 127.0.0.1 is "trust", as upstream)
docker run --rm --network "$NET" -e PGPASSWORD="$PG_PASSWORD" "$PG_IMAGE" psql -h "$PG" -U llmproxy -d litellm -tAc 'select 1' >/dev/null \
	|| fail "password login over the network failed"
docker run --rm --network "$NET" -e PGPASSWORD=wrong "$PG_IMAGE" psql -h "$PG" -U llmproxy -d litellm -tAc 'select 1' >/dev/null 2>&1 \
	&& fail "network login with a wrong password succeeded"
[ "$(docker exec "$PG" psql -U llmproxy -d litellm -tAc "select left(rolpassword, 13) from pg_authid where rolname = 'llmproxy'")" = "SCRAM-SHA-256" ] \
	|| fail "password not stored as scram-sha-256"
ok "role + database created; special-character password works over the network (scram-sha-256), wrong one refused"
docker exec "$PG" sh -c 'grep -q "^listen_addresses = '"'"'\*'"'"'" "$PGDATA/postgresql.conf"' || fail "not listening on all addresses"
ok "postgres listens on 0.0.0.0:5432"

# --------------------------------------------------------------------------------- litellm start-up failures
refuse() { # refuse DESCRIPTION EXIT_CODE GREP_PATTERN docker-run-args...
	local what="$1" want="$2" pattern="$3" out rc=0; shift 3
	out="$(timeout 30 docker run --rm --name "$P-once" --network "$NET" "$@" "$LITELLM_IMAGE" 2>&1)" || rc=$?
	[ "$rc" = "$want" ] || fail "$what: expected exit $want, got $rc: $out"
	grep -q -- "$pattern" <<<"$out" || fail "$what: expected message matching '$pattern': $out"
	grep -qF -- "$PG_PASSWORD" <<<"$out" && fail "$what: the DB password was printed"
	ok "$what (exit $want)"
}
# master_key_boot_check.py: an unsafe key fails the lifespan, uvicorn exits with 3
refuse "master key sk-1234 refused" 3 "the master key is a publicly known default" -e LITELLM_MASTER_KEY=sk-1234 -e DATABASE_URL="$DATABASE_URL"
refuse "blank master key refused" 3 "the master key is empty" -e "LITELLM_MASTER_KEY=   " -e DATABASE_URL="$DATABASE_URL"
refuse "missing master key refused" 3 "no master key is set" -e DATABASE_URL="$DATABASE_URL"
refuse "unencoded password in DATABASE_URL refused" 1 "malformed" -e LITELLM_MASTER_KEY="$MASTER_KEY" \
	-e DATABASE_URL="postgresql://llmproxy:$PG_PASSWORD@$PG:5432/litellm"

# the sk- prefix is a convention only: a master key without it boots (master_key_boot_check.py) and
# authenticates the key API (user_api_key_auth.py compares the master key first)
PLAIN_KEY="plain-master-key-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
docker run -d --name "$P-once" --network "$NET" -p 127.0.0.1::4000 -e LITELLM_MASTER_KEY="$PLAIN_KEY" \
	-e DATABASE_URL="$DATABASE_URL" "$LITELLM_IMAGE" >/dev/null
PORT="$(docker port "$P-once" 4000/tcp | head -n1 | sed 's/.*://')"
wait_until 30 "the proxy with an unprefixed master key answering" bash -c "python3 '$TMP/api.py' GET http://127.0.0.1:$PORT/health/liveliness '' '' | grep -q '^200'"
api POST /key/generate "$PLAIN_KEY" '{"key_alias": "smoke-plain"}'; expect 200 "a master key without sk- boots and issues keys"
api POST /key/delete "$PLAIN_KEY" '{"key_aliases": ["smoke-plain"]}'; expect 200 "... and deletes them"
docker rm -f "$P-once" >/dev/null

# --------------------------------------------------------------------------------- litellm
start_proxy() { # start_proxy NAME
	docker create --name "$1" --network "$NET" -p 127.0.0.1::4000 \
		-e LITELLM_MASTER_KEY="$MASTER_KEY" -e DATABASE_URL="$DATABASE_URL" \
		-e LITELLM_SALT_KEY="sk-salt-smoke" -e UI_USERNAME=admin -e UI_PASSWORD=smoke-ui \
		-e LITELLM_LOG=INFO -e LITELLM_MODE=PRODUCTION -e LITELLM_LOCAL_MODEL_COST_MAP=True \
		--health-cmd "python3 -c \"import urllib.request; urllib.request.urlopen('http://localhost:4000/health/liveliness')\"" \
		--health-interval 1s --health-timeout 3s --health-retries 30 \
		"$LITELLM_IMAGE" --config /app/config.yaml --port 4000 --num_workers 1 >/dev/null
	docker cp "$TMP/config.yaml" "$1:/app/config.yaml"
	docker start "$1" >/dev/null
	PORT="$(docker port "$1" 4000/tcp | head -n1 | sed 's/.*://')"
	wait_until 60 "$1 healthy" health_is "$1" healthy
}
start_proxy "$PROXY"
ok "litellm test double healthy (python3 healthcheck on /health/liveliness), host port $PORT"
grep -q 'os.environ/SMOKE_PROVIDER_KEY_NOT_SET' <<<"$(docker logs "$PROXY" 2>&1)" || fail "no warning for an unset os.environ/ reference"
ok "warning names the unset os.environ/ variable"

api GET /health/liveliness; expect 200 "liveliness" 'd == "I'"'"'m alive!"'
api GET /health/readiness; expect 200 "public readiness is low-detail" 'd == {"status": "healthy"}'
api GET /health/readiness/details; expect 401 "readiness details need a key"
api GET /health/readiness/details "$MASTER_KEY"; expect 200 "readiness details: db connected" 'd["status"] == "healthy" and d["db"] == "connected" and d["cache"] is None and d["litellm_version"] == "test-double"'
api GET /health; expect 401 "/health needs a key"
api GET /health "$MASTER_KEY"; expect 200 "/health with the master key" 'len(d["healthy_endpoints"]) == 2 and d["unhealthy_endpoints"] == []'
api GET /v1/models; expect 401 "/v1/models needs a key" 'd["error"]["type"] == "auth_error" and d["error"]["code"] == "401"'
api GET /v1/models "$MASTER_KEY"; expect 200 "/v1/models lists the config's models" '[m["id"] for m in d["data"]] == ["smoke-model", "local-llama"] and d["object"] == "list"'
api GET /nope "$MASTER_KEY"; expect 404 "unknown route is a JSON 404"

api POST /key/generate "sk-not-the-master" '{}'; expect 401 "/key/generate refuses a non-master key"
api POST /key/generate "$MASTER_KEY" '{"key": "not-sk"}'; expect 400 "/key/generate refuses a custom key without sk-"
api POST /key/generate "$MASTER_KEY" '{"models": ["smoke-model"], "max_budget": 1, "budget_duration": "30d", "key_alias": "smoke-a", "metadata": {"team": "smoke"}, "rpm_limit": 100}'
expect 200 "/key/generate with the master key" 'd["key"].startswith("sk-") and len(d["key"]) >= 25 and d["models"] == ["smoke-model"] and d["max_budget"] == 1 and d["spend"] == 0 and d["key_alias"] == "smoke-a"'
KEY_A="$(jget 'd["key"]')"; TOKEN_A="$(jget 'd["token"]')"
[ "$TOKEN_A" = "$(printf '%s' "$KEY_A" | sha256sum | cut -d' ' -f1)" ] || fail "token is not sha256(key)"
[ "$(jget 'd["token_id"]')" = "$TOKEN_A" ] || fail "token is not token_id"
ok "token = token_id = sha256(raw key) (key_management_endpoints.py remaps token to the hash)"
[ "$(docker exec "$PG" psql -U llmproxy -d litellm -tAc "select count(*) from \"LiteLLM_VerificationToken\" where token = '$TOKEN_A'")" = 1 ] || fail "token not stored"
[ "$(docker exec "$PG" psql -U llmproxy -d litellm -tAc "select count(*) from \"LiteLLM_VerificationToken\" where token = '$KEY_A' or key_name = '$KEY_A'")" = 0 ] || fail "raw key stored"
ok "the DB stores the hash, not the raw key"
api POST /key/generate "$MASTER_KEY" '{"key_alias": "smoke-a"}'; expect 400 "duplicate key_alias refused"

CHAT='{"model": "smoke-model", "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello double"}]}'
api POST /v1/chat/completions "$KEY_A" "$CHAT"
expect 200 "chat completion with the issued key" 'd["object"] == "chat.completion" and d["choices"][0]["message"] == {"role": "assistant", "content": "test double reply to: hello double"} and d["choices"][0]["finish_reason"] == "stop" and d["usage"]["total_tokens"] == d["usage"]["prompt_tokens"] + d["usage"]["completion_tokens"]'
api POST /chat/completions "$MASTER_KEY" '{"model": "no-such-model", "messages": [{"role": "user", "content": "x"}]}'
expect 400 "unknown model names the model and lists the configured ones" '"no-such-model" in d["error"]["message"] and "smoke-model" in d["error"]["message"]'
api POST /v1/chat/completions "$KEY_A" '{"model": "local-llama", "messages": [{"role": "user", "content": "x"}]}'
expect 401 "issued key limited to its models"
api GET /v1/models "$KEY_A"; expect 200 "issued key sees only its models" '[m["id"] for m in d["data"]] == ["smoke-model"]'
api POST /v1/chat/completions "$KEY_A" '{"model": "smoke-model", "stream": true, "messages": [{"role": "user", "content": "s"}]}'
[ "$STATUS" = 200 ] && grep -q 'data: \[DONE\]' <<<"$BODY" || fail "stream: $STATUS $BODY"
ok "stream: true answered as server-sent events ending in [DONE]"

api GET "/key/info?key=$KEY_A" "$MASTER_KEY"; expect 200 "/key/info shows spend > 0" 'd["key"] == "'"$TOKEN_A"'" and d["info"]["spend"] > 0 and d["info"]["key_alias"] == "smoke-a" and d["info"]["max_budget"] == 1'
api GET "/key/info?key=$TOKEN_A" "$KEY_A"; expect 200 "/key/info by token, called with the key itself" 'd["info"]["spend"] > 0'
api GET "/key/info?key=sk-unknown-key" "$MASTER_KEY"; expect 404 "/key/info of an unknown key" '"error" in d["detail"]'

api POST /key/update "$MASTER_KEY" '{"key": "'"$KEY_A"'", "max_budget": 0.0001}'; expect 200 "/key/update changes max_budget" 'd["max_budget"] == 0.0001'
api GET "/key/info?key=$KEY_A" "$MASTER_KEY"; expect 200 "/key/info shows the new max_budget" 'd["info"]["max_budget"] == 0.0001'
api POST /v1/chat/completions "$KEY_A" "$CHAT"; expect 422 "over-budget key refused with 422 (v1.104.0)" '"Budget has been exceeded" in d["error"]["message"] and d["error"]["type"] == "budget_exceeded"'
api POST /key/update "$MASTER_KEY" '{"key": "sk-unknown-key", "max_budget": 1}'; expect 404 "/key/update of an unknown key"

api POST /key/delete "$MASTER_KEY" '{"keys": ["'"$KEY_A"'"]}'; expect 200 "/key/delete" 'd["deleted_keys"] == ["'"$KEY_A"'"]'
api POST /v1/chat/completions "$KEY_A" "$CHAT"; expect 401 "deleted key gets 401"
api POST /key/delete "$MASTER_KEY" '{"keys": ["'"$KEY_A"'"]}'; expect 404 "deleting it again: 404"

# --------------------------------------------------------------------------------- DB crash
api POST /key/generate "$MASTER_KEY" '{"key_alias": "smoke-b"}'; expect 200 "second key generated"
KEY_B="$(jget 'd["key"]')"
restarts_before="$(docker inspect -f '{{.RestartCount}}' "$PG")"
# the restart policy brings postgres back within a fraction of a second, so watch readiness
# closely from before the kill: it must answer 503 while the DB is down, then 200 again
cat > "$TMP/watch.py" <<'PY'
import json, sys, time, urllib.request, urllib.error
url, seen, deadline = sys.argv[1], [], time.monotonic() + 60
open(sys.argv[2], "w").close()  # tells the shell the watcher is running
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            status, body = r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        status, body = e.code, json.loads(e.read())
    if status == 503 and not seen:
        seen.append(body)
        if body != {"status": "healthy"}:  # upstream keeps the low-detail body, only the status changes
            sys.exit(f"unexpected 503 body: {body}")
    if status == 200 and seen:
        sys.exit(0)
    time.sleep(0.02)
sys.exit("no 503 then 200 from /health/readiness within 60 s" if not seen else "readiness stayed 503 for 60 s")
PY
python3 "$TMP/watch.py" "http://127.0.0.1:$PORT/health/readiness" "$TMP/watching" & watcher=$!
wait_until 10 "readiness watcher running" test -e "$TMP/watching"
kill -9 "$(docker inspect -f '{{.State.Pid}}' "$PG")"
say "killed the postgres container's main process (kill -9 from the host)"
wait "$watcher" || fail "readiness during the DB crash"
ok "public readiness 503 while the DB is down, then 200"
wait_until 60 "postgres restarted by its restart policy" bash -c "[ \$(docker inspect -f '{{.RestartCount}}' $PG) -gt $restarts_before ]"
wait_until 60 "readiness back to connected" ready_is 200
wait_until 30 "readiness details back to connected" details_db_is connected
ok "DB crash recovered by the restart policy; readiness back to connected without restarting the proxy"
api POST /v1/chat/completions "$KEY_B" "$CHAT"; expect 200 "issued key works after the DB crash"

# --------------------------------------------------------------------------------- replacements
docker rm -f "$PROXY" >/dev/null
start_proxy "$PROXY-2"
api POST /v1/chat/completions "$KEY_B" "$CHAT"; expect 200 "key survives replacing the proxy container"
api GET "/key/info?key=$KEY_B" "$MASTER_KEY"; expect 200 "spend survives too" 'd["info"]["spend"] >= 0.0002 - 1e-9'

docker rm -f "$PG" >/dev/null
start_pg
wait_until 60 "replacement postgres healthy" health_is "$PG" healthy
grep -q 'skipping initialisation' <<<"$(docker logs "$PG" 2>&1)" || fail "replacement postgres re-initialised the volume"
wait_until 60 "readiness back to connected after replacing postgres" ready_is 200
api POST /v1/chat/completions "$KEY_B" "$CHAT"; expect 200 "key survives replacing the postgres container (named volume)"

# --------------------------------------------------------------------------------- as UID 1000 (a Space)
# once UID 1000: start detached, wait for liveliness or exit; sets ONCE_RC (empty while running)
once_1000() { # once_1000 DBNAME docker-run-args...
	local db="$1"; shift
	docker rm -f "$P-once" >/dev/null 2>&1 || true
	docker run -d --name "$P-once" --user 1000 --network "$NET" -p 127.0.0.1::4000 \
		-e LITELLM_MASTER_KEY="$MASTER_KEY" -e LITELLM_SALT_KEY=sk-salt-smoke \
		-e DATABASE_URL="postgresql://llmproxy:$PG_PASSWORD_ENC@$PG:5432/$db" "$@" "$LITELLM_IMAGE" >/dev/null
	PORT="$(docker port "$P-once" 4000/tcp | head -n1 | sed 's/.*://')"
	local end=$(( $(date +%s) + 30 ))
	ONCE_RC=""
	while [ "$(date +%s)" -lt "$end" ]; do
		if [ "$(docker inspect -f '{{.State.Running}}' "$P-once")" != true ]; then
			ONCE_RC="$(docker inspect -f '{{.State.ExitCode}}' "$P-once")"; break
		fi
		api GET /health/liveliness; [ "$STATUS" = 200 ] && break
		sleep 0.2
	done
	ONCE_LOGS="$(docker logs "$P-once" 2>&1)"
}
docker exec "$PG" psql -U llmproxy -d litellm -qc 'CREATE DATABASE pushed' >/dev/null
# a database an older LiteLLM made with `prisma db push`: tables, no migration history (as root)
docker run --rm --network "$NET" -e LITELLM_MASTER_KEY="$MASTER_KEY" -e DATABASE_URL="postgresql://llmproxy:$PG_PASSWORD_ENC@$PG:5432/pushed" \
	--entrypoint /bin/sh "$LITELLM_IMAGE" -c 'timeout 5 litellm --use_prisma_db_push; true' >/dev/null 2>&1
[ "$(docker exec "$PG" psql -U llmproxy -d pushed -tAc "select count(*) from information_schema.tables where table_name = '_prisma_migrations'")" = 0 ] \
	|| fail "db push left a migration history"
once_1000 pushed
[ "$ONCE_RC" = 1 ] || fail "UID 1000 on a db-push database: expected exit 1, got '${ONCE_RC}': $ONCE_LOGS"
grep -q "PermissionError: \[Errno 13\] Permission denied: '/app/.venv/lib/python3.13/site-packages/litellm_proxy_extras/migrations/0_init'" <<<"$ONCE_LOGS" \
	|| fail "UID 1000 on a db-push database: no PermissionError for migrations/0_init: $ONCE_LOGS"
ok "UID 1000, database without migration history: the baseline in the root-owned package dir fails, PermissionError, exit 1"
once_1000 litellm
[ -z "$ONCE_RC" ] || fail "UID 1000 on a migrated database: exited $ONCE_RC: $ONCE_LOGS"
grep -q "Permission denied - \[Errno 13\].*_baseline_diff" <<<"$ONCE_LOGS" && grep -q "unable to baseline db" <<<"$ONCE_LOGS" \
	&& grep -q "Cannot restructure UI" <<<"$ONCE_LOGS" || fail "UID 1000 on a migrated database: expected the two warnings: $ONCE_LOGS"
api GET /ui/login; [ "$STATUS" = 404 ] || fail "UID 1000 without a UI path: /ui/login answered $STATUS"
ok "UID 1000, migrated database: starts with 'Permission denied ... unable to baseline db' and an unrestructured UI (/ui/login 404)"
once_1000 litellm -e PRISMA_BINARY_CACHE_DIR=
[ "$ONCE_RC" = 1 ] && grep -q "Permission denied: '/.cache'" <<<"$ONCE_LOGS" && grep -q "Database setup failed" <<<"$ONCE_LOGS" \
	|| fail "UID 1000 without the baked Prisma: expected exit 1 and Permission denied on /.cache, got '${ONCE_RC}': $ONCE_LOGS"
ok "UID 1000 with PRISMA_BINARY_CACHE_DIR unset: Prisma's download into HOME=/ fails, database setup failed, exit 1"
once_1000 pushed -e LITELLM_MIGRATION_DIR=/tmp/litellm/migrations -e LITELLM_UI_PATH=/tmp/litellm/ui -e HOME=/tmp
[ -z "$ONCE_RC" ] || fail "UID 1000 with writable directories: exited $ONCE_RC: $ONCE_LOGS"
[ "$(docker exec "$PG" psql -U llmproxy -d pushed -tAc "select count(*) from \"_prisma_migrations\" where migration_name = '0_init'")" = 1 ] \
	|| fail "no 0_init baseline recorded"
api GET /ui/login; [ "$STATUS" = 200 ] || fail "UID 1000 with LITELLM_UI_PATH: /ui/login answered $STATUS"
ok "UID 1000 with LITELLM_MIGRATION_DIR, LITELLM_UI_PATH and HOME under /tmp: baseline written, healthy, /ui/login 200"
docker rm -f "$P-once" >/dev/null

# --------------------------------------------------------------------------------- logs
logs="$(docker logs "$PROXY-2" 2>&1)"
grep -q '"POST /v1/chat/completions HTTP/1.1" 200' <<<"$logs" || fail "no request log line"
for secret in "$MASTER_KEY" "$KEY_B" "$PG_PASSWORD"; do
	grep -qF -- "$secret" <<<"$logs" && fail "a secret appears in the proxy logs"
done
ok "one log line per request; no key, master key or DB password in the logs"
