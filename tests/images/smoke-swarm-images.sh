#!/usr/bin/env bash
# Smoke check of the images the Swarm target's tests use, with plain `docker` and python3 on the
# host: the Redis stand-in (official image's entrypoint rules, protected mode off, --requirepass,
# a config file as first argument), the HAProxy stand-in (official entrypoint, config path, user),
# the LiteLLM test double's per-key rpm limit counted per instance without a Redis cache and across
# instances through Redis with one (litellm_settings.cache + cache_params.type redis), its one-shot
# migration entry points (`python litellm/proxy/prisma_migration.py`, `--skip_server_startup`) and
# the "-next" double failing key queries with P2022 until its migration ran.
# Everything it creates is removed on exit.
#
#   bash tests/images/smoke-swarm-images.sh
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
P="aiterm-swarm-test-smoke-$$"
NET="$P-net"
TMP="$(mktemp -d)"
T0=$(date +%s.%N)
PASSES=0
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }'; }
say() { printf '[smoke-swarm %6s] %s\n' "$(elapsed)" "$*"; }
ok() { PASSES=$((PASSES + 1)); printf '[smoke-swarm %6s] ok   %s\n' "$(elapsed)" "$*"; }
containers() { docker ps -aq --filter "name=^$P-" 2>/dev/null || true; }
fail() {
	printf '[smoke-swarm %6s] FAIL %s\n' "$(elapsed)" "$*" >&2
	for c in $(containers); do echo "---- logs of $(docker inspect -f '{{.Name}}' "$c") ----" >&2; docker logs --tail 15 "$c" >&2 2>&1 || true; done
	exit 1
}
cleanup() {
	local rc=$?
	for c in $(containers); do docker rm -f -v "$c" >/dev/null 2>&1 || true; done
	docker network rm "$NET" >/dev/null 2>&1 || true
	rm -rf "$TMP"
	if [ $rc -eq 0 ]; then say "PASSED ($PASSES checks)"; else say "FAILED (exit $rc)"; fi
}
trap cleanup EXIT
trap 'fail "command failed (line $LINENO): $BASH_COMMAND"' ERR

bash "$HERE/build.sh" | sed 's/^/    /'
ref() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$HERE/.refs.json" "$1"; }
REDIS="$(ref redisImage)" HAPROXY="$(ref haproxyImage)" PG="$(ref postgresImage)" LL="$(ref litellmImage)" LL_NEXT="$(ref litellmNextImage)"
docker network create "$NET" >/dev/null

wait_for() { # wait_for SECONDS WHAT COMMAND...
	local end=$(( $(date +%s) + $1 )) what="$2"; shift 2
	until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -lt "$end" ] || fail "$what did not happen within the time allowed"; sleep 0.3; done
}

# ------------------------------------------------------------------------------------- Redis
docker run -d --name "$P-redis" --network "$NET" "$REDIS" --requirepass 's3cret pass' >/dev/null
wait_for 20 "redis answering" docker exec -e REDISCLI_AUTH='s3cret pass' "$P-redis" redis-cli ping
[ "$(docker exec "$P-redis" redis-cli ping 2>&1)" != PONG ] || fail "redis answered without the password"
[ "$(docker exec -e REDISCLI_AUTH='s3cret pass' "$P-redis" redis-cli config get protected-mode | tail -1)" = no ] || fail "protected mode is on"
[ "$(docker exec "$P-redis" sh -c 'cat /proc/1/status' | awk '/^Uid:/ {print $2}')" != 0 ] || fail "redis-server runs as root"
ok "redis stand-in: --requirepass (an option as first argument), protected mode off, not root"
mkdir -p "$TMP/secrets"; printf 'requirepass fromfile\nappendonly yes\n' > "$TMP/secrets/redis.conf"; chmod 0644 "$TMP/secrets/redis.conf"
docker create --name "$P-redis-conf" --network "$NET" "$REDIS" /run/secrets/redis.conf >/dev/null
docker cp "$TMP/secrets" "$P-redis-conf:/run/secrets"
docker start "$P-redis-conf" >/dev/null
wait_for 20 "redis (config file) answering" docker exec -e REDISCLI_AUTH=fromfile "$P-redis-conf" redis-cli ping
[ "$(docker exec -e REDISCLI_AUTH=fromfile "$P-redis-conf" redis-cli config get appendonly | tail -1)" = yes ] || fail "the config file was not read"
[ "$(docker exec -e REDISCLI_AUTH=fromfile "$P-redis-conf" redis-cli config get protected-mode | tail -1)" = no ] || fail "protected mode is on with a config file"
ok "redis stand-in: a *.conf first argument is redis-server's config file, defaults still official"

# ------------------------------------------------------------------------------------- HAProxy
docker run --name "$P-hap-nocfg" "$HAPROXY" >"$TMP/hap.log" 2>&1 && fail "haproxy started without a configuration" || true
grep -q "/usr/local/etc/haproxy/haproxy.cfg" "$TMP/hap.log" || fail "haproxy did not name the missing config: $(cat "$TMP/hap.log")"
cat > "$TMP/haproxy.cfg" <<'CFG'
defaults
  mode http
  timeout connect 2s
  timeout client 10s
  timeout server 10s
frontend fe
  bind :8080
  http-request return status 200 content-type text/plain string "front door"
CFG
docker create --name "$P-hap" --network "$NET" -p 127.0.0.1::8080 "$HAPROXY" >/dev/null
docker cp "$TMP/haproxy.cfg" "$P-hap:/usr/local/etc/haproxy/haproxy.cfg"
docker start "$P-hap" >/dev/null
HAP_PORT="$(docker port "$P-hap" 8080/tcp | head -1 | sed 's/.*://')"
wait_for 20 "haproxy answering" python3 -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:$HAP_PORT/', timeout=2).read() == b'front door' else 1)"
[ "$(docker inspect -f '{{.Config.User}} {{.Config.StopSignal}}' "$P-hap")" = "haproxy SIGUSR1" ] || fail "user/stop signal differ from upstream"
docker exec "$P-hap" cat /proc/1/cmdline | tr "\0" " " | grep -q -- "-W -db" || fail "haproxy is not run with -W -db"
ok "haproxy stand-in: refuses without config, runs -W -db as haproxy, stop signal SIGUSR1"

# ------------------------------------------------------------------------------------- LiteLLM double
docker run -d --name "$P-pg" --network "$NET" --network-alias db -e POSTGRES_PASSWORD=pgpass -e POSTGRES_DB=litellm "$PG" >/dev/null
wait_for 60 "postgres ready" docker exec "$P-pg" pg_isready -h 127.0.0.1 -U postgres
sleep 1
DB_URL="postgresql://postgres:pgpass@db:5432/litellm"
MK="sk-smoke-master-0123456789"
cat > "$TMP/memory.yaml" <<'CFG'
model_list:
  - model_name: m
    litellm_params: {model: openai/gpt-4o-mini}
CFG
cat > "$TMP/redis.yaml" <<'CFG'
model_list:
  - model_name: m
    litellm_params: {model: openai/gpt-4o-mini}
router_settings: {redis_host: rd, redis_port: 6379, redis_password: os.environ/REDIS_PASSWORD}
litellm_settings:
  cache: true
  cache_params: {type: redis, host: rd, port: 6379, password: os.environ/REDIS_PASSWORD}
CFG
cat > "$TMP/router-only.yaml" <<'CFG'
model_list:
  - model_name: m
    litellm_params: {model: openai/gpt-4o-mini}
router_settings: {redis_host: rd, redis_port: 6379, redis_password: os.environ/REDIS_PASSWORD}
CFG
docker run -d --name "$P-rd" --network "$NET" --network-alias rd "$REDIS" --requirepass redispw >/dev/null
chmod 0644 "$TMP"/*.yaml

# proxy NAME IMAGE CONFIG [extra docker args...]: started with the config copied in, published on 127.0.0.1
proxy() {
	local name="$1" image="$2" config="$3"; shift 3
	docker create --name "$P-$name" --network "$NET" -p 127.0.0.1::4000 -e DATABASE_URL="$DB_URL" -e LITELLM_MASTER_KEY="$MK" \
		-e REDIS_PASSWORD=redispw "$@" "$image" --port 4000 --config /app/config.yaml >/dev/null
	docker cp "$config" "$P-$name:/app/config.yaml"
	docker start "$P-$name" >/dev/null
	local port; port="$(docker port "$P-$name" 4000/tcp | head -1 | sed 's/.*://')"
	wait_for 60 "proxy $name ready" python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/health/readiness', timeout=2)"
	eval "PORT_${name//-/_}=$port"
}
cat > "$TMP/api.py" <<'PY'
import json, sys, urllib.request, urllib.error
port, path, key, data = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else ""
req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data.encode() if data else None,
                             headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
try:
    with urllib.request.urlopen(req, timeout=10) as r:
        print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
PY
api() { python3 "$TMP/api.py" "$@"; }
new_key() { api "$1" /key/generate "$MK" '{"rpm_limit": 3, "models": ["m"]}' | python3 -c 'import json,sys; l=sys.stdin.read(); print(json.loads(l.split(" ",1)[1])["key"])'; }
# count_ok KEY PORT... : one chat completion per port, round robin, 8 in all; prints how many got 200
count_ok() {
	local key="$1" n=0 i=0; shift
	local ports=("$@")
	while [ $i -lt 8 ]; do
		local status; status="$(api "${ports[$((i % ${#ports[@]}))]}" /v1/chat/completions "$key" '{"model":"m","messages":[{"role":"user","content":"hi"}]}' | cut -d' ' -f1)"
		[ "$status" = 200 ] && n=$((n + 1))
		[ "$status" = 200 ] || [ "$status" = 429 ] || fail "unexpected HTTP $status"
		i=$((i + 1))
	done
	echo "$n"
}
proxy mem-a "$LL" "$TMP/memory.yaml"; proxy mem-b "$LL" "$TMP/memory.yaml"
KEY="$(new_key "$PORT_mem_a")"
[ "$(count_ok "$KEY" "$PORT_mem_a" "$PORT_mem_b")" = 6 ] || fail "without a Redis cache each instance should allow 3 (6 in all)"
ok "double: rpm_limit 3 counted per instance without a Redis cache (6 of 8 across two instances)"
proxy rt-a "$LL" "$TMP/router-only.yaml"; proxy rt-b "$LL" "$TMP/router-only.yaml"
KEY="$(new_key "$PORT_rt_a")"
[ "$(count_ok "$KEY" "$PORT_rt_a" "$PORT_rt_b")" = 6 ] || fail "router_settings.redis_* alone should not share key limits"
ok "double: router_settings.redis_* alone still counts per instance (BerriAI/litellm#13202)"
proxy rd-a "$LL" "$TMP/redis.yaml"; proxy rd-b "$LL" "$TMP/redis.yaml"
KEY="$(new_key "$PORT_rd_a")"
[ "$(count_ok "$KEY" "$PORT_rd_a" "$PORT_rd_b")" = 3 ] || fail "with a Redis cache the limit should hold across instances"
api "$PORT_rd_b" /v1/chat/completions "$KEY" '{"model":"m","messages":[{"role":"user","content":"hi"}]}' | grep -q "Rate limit exceeded for api_key" || fail "429 text differs from upstream's"
api "$PORT_rd_a" /health/readiness/details "$MK" | grep -q '"cache": "redis"' || fail "readiness details should report the redis cache"
ok "double: with litellm_settings.cache type redis the limit holds across instances (3 of 8)"

# one-shot migrations: the Helm Job's command, then proxies of the next image with DISABLE_SCHEMA_UPDATE=true
docker run --rm --name "$P-mig" --network "$NET" -e DATABASE_URL="$DB_URL" -e DISABLE_SCHEMA_UPDATE=false \
	-w /app --entrypoint python "$LL" litellm/proxy/prisma_migration.py >"$TMP/mig.log" 2>&1 || fail "prisma_migration.py failed: $(cat "$TMP/mig.log")"
grep -q "Skipping server startup as requested" "$TMP/mig.log" || fail "no skip_server_startup message: $(cat "$TMP/mig.log")"
ok "double: python litellm/proxy/prisma_migration.py sets up and exits 0 without serving"
proxy next "$LL_NEXT" "$TMP/memory.yaml" -e DISABLE_SCHEMA_UPDATE=true
api "$PORT_next" /key/generate "$MK" '{}' | grep -q "P2022" || fail "the next image should fail key queries before its migration"
ok "double-next: DISABLE_SCHEMA_UPDATE=true before its migration: key queries fail with P2022"
docker run --rm --name "$P-mig2" --network "$NET" -e DATABASE_URL="$DB_URL" "$LL_NEXT" --skip_server_startup >"$TMP/mig2.log" 2>&1 || fail "migration of next failed"
grep -q "20261201000000_litellm_test_double_next" "$TMP/mig2.log" || fail "the next migration was not applied: $(cat "$TMP/mig2.log")"
sleep 2.2
[ "$(api "$PORT_next" /key/generate "$MK" '{}' | cut -d' ' -f1)" = 200 ] || fail "the next image should work after its migration"
docker run --rm --name "$P-mig3" --network "$NET" -e DATABASE_URL="$DB_URL" -e DISABLE_SCHEMA_UPDATE=true "$LL_NEXT" --skip_server_startup >"$TMP/mig3.log" 2>&1
grep -q "DISABLE_SCHEMA_UPDATE is set" "$TMP/mig3.log" || fail "DISABLE_SCHEMA_UPDATE not honoured by --skip_server_startup"
ok "double-next: its migration (--skip_server_startup) fixes it; DISABLE_SCHEMA_UPDATE=true skips migrating"
