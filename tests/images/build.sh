#!/usr/bin/env bash
# Builds the test doubles used by the tests, pushes them to a local registry and writes
# tests/images/.refs.json with digest-pinned refs. Idempotent and cached: an image is rebuilt
# only when the sha256 of its build context (plus the base image id) changes.
#
#   bash tests/images/build.sh                  # build what is missing or changed
#   FORCE_REBUILD=1 bash tests/images/build.sh  # ignore the cache (the base image too)
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD_DIR="$HERE/.build"
REFS_FILE="$HERE/.refs.json"

BASE_IMAGE="aiterm-test/debian:bookworm"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
REGISTRY_HOSTPORT="127.0.0.1:5000"
REGISTRY_IMAGE="aiterm-test/registry:2.8"
REGISTRY_CONTAINER="aiterm-test-registry"
REGISTRY_VOLUME="aiterm-test-registry-data"
POSTGRES_REPO="$REGISTRY_HOSTPORT/aiterm-test/postgres-stand-in"
POSTGRES_TAG="15"
LITELLM_REPO="$REGISTRY_HOSTPORT/aiterm-test/litellm-test-double"
LITELLM_TAG="v1.104.0-test"
LITELLM_NEXT_TAG="v1.104.0-test-next"
LITELLM_BROKEN_TAG="v1.104.0-test-broken"
REDIS_REPO="$REGISTRY_HOSTPORT/aiterm-test/redis-stand-in"
REDIS_TAG="7.0"
HAPROXY_REPO="$REGISTRY_HOSTPORT/aiterm-test/haproxy-stand-in"
HAPROXY_TAG="2.6"
CACHE_LABEL="aiterm.test.context-sha256"
FORCE_REBUILD="${FORCE_REBUILD:-0}"

T0=$(date +%s.%N)
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
say() { printf '[build %7s] %s\n' "$(elapsed "$T0")" "$*"; }
die() { printf '[build %7s] ERROR: %s\n' "$(elapsed "$T0")" "$*" >&2; exit 1; }
trap 'printf "[build] ERROR: command failed (line %s): %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

command -v docker >/dev/null 2>&1 || die "the docker CLI is not installed (apt-get install -y docker.io)"
docker info >/dev/null 2>&1 || die "no Docker engine answers (start it: nohup dockerd >/tmp/dockerd.log 2>&1 &)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed on the host (registry probe, .refs.json)"

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# sha256 over the relative path, mode and content of every file of a build context, plus the
# base image id (so a re-imported base rebuilds everything on top of it).
context_hash() {
	local ctx="$1" parent="${2:-$BASE_IMAGE}"
	{
		docker image inspect -f '{{.Id}}' "$parent"
		(cd "$ctx" && find . -type f -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
			printf '%s %s %s\n' "$f" "$(stat -c %a "$f")" "$(sha256sum < "$f" | cut -d' ' -f1)"
		done)
	} | sha256sum | cut -d' ' -f1
}

# build_image CONTEXT_DIR TAG...: skip when TAG[0] already carries the context hash label
build_image() {
	local ctx="$1"; shift
	local main_tag="$1" hash have t0 tag_args=() build_args=()
	hash="$(context_hash "$ctx" "${PARENT_IMAGE:-$BASE_IMAGE}")"
	[ -z "${PARENT_IMAGE:-}" ] || build_args+=(--build-arg "BASE_DOUBLE=$PARENT_IMAGE")
	have="$(docker image inspect -f "{{index .Config.Labels \"$CACHE_LABEL\"}}" "$main_tag" 2>/dev/null || true)"
	if [ "$FORCE_REBUILD" != 1 ] && [ "$have" = "$hash" ]; then
		say "cached   $main_tag (context ${hash:0:12})"
		for t in "${@:2}"; do docker tag "$main_tag" "$t"; done
		return 0
	fi
	for t in "$@"; do tag_args+=(-t "$t"); done
	[ "$FORCE_REBUILD" != 1 ] || tag_args+=(--no-cache)
	say "building $main_tag (context ${hash:0:12}) ..."
	t0=$(now)
	local log="$BUILD_DIR/$(basename "$ctx").build.log"
	mkdir -p "$BUILD_DIR"
	if ! DOCKER_BUILDKIT=0 docker build --label "$CACHE_LABEL=$hash" "${build_args[@]}" "${tag_args[@]}" "$ctx" >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		die "docker build of $main_tag failed (full log: $log)"
	fi
	say "built    $main_tag in $(elapsed "$t0")"
}

# ---------------------------------------------------------------------------------------------
# a. Debian bookworm base image (debootstrap minbase + docker import)
if [ "$FORCE_REBUILD" != 1 ] && image_exists "$BASE_IMAGE"; then
	say "cached   $BASE_IMAGE"
else
	command -v debootstrap >/dev/null 2>&1 || die "debootstrap is not installed (apt-get install -y debootstrap)"
	[ "$(id -u)" = 0 ] || die "debootstrap needs root"
	t0=$(now)
	rootfs="$BUILD_DIR/rootfs"
	rm -rf "$rootfs"; mkdir -p "$BUILD_DIR"
	say "debootstrap bookworm (minbase) from $DEBIAN_MIRROR ..."
	if ! debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$BUILD_DIR/debootstrap.log" 2>&1; then
		tail -n 30 "$BUILD_DIR/debootstrap.log" >&2
		die "debootstrap failed (full log: $BUILD_DIR/debootstrap.log)"
	fi
	cat > "$rootfs/etc/apt/sources.list" <<-EOF
		deb $DEBIAN_MIRROR bookworm main
		deb $DEBIAN_MIRROR bookworm-updates main
		deb http://deb.debian.org/debian-security bookworm-security main
	EOF
	# keep images small: no apt caches, no docs/man pages from later installs
	printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' \
		> "$rootfs/etc/dpkg/dpkg.cfg.d/01-nodoc"
	rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
	tar -C "$rootfs" -c . | docker import \
		--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--change 'CMD ["bash"]' \
		--message "debootstrap --variant=minbase bookworm" - "$BASE_IMAGE" >/dev/null
	rm -rf "$rootfs"
	say "imported $BASE_IMAGE in $(elapsed "$t0")"
fi

# ---------------------------------------------------------------------------------------------
# d (first half). Local registry: image, then container (reused when already running)
build_image "$HERE/registry" "$REGISTRY_IMAGE"

registry_up() {
	python3 - "$REGISTRY_HOSTPORT" <<-'PY'
		import sys, urllib.request
		try:
		    urllib.request.urlopen(f"http://{sys.argv[1]}/v2/", timeout=2).read()
		except Exception:
		    sys.exit(1)
	PY
}
want_reg_image="$(docker image inspect -f '{{.Id}}' "$REGISTRY_IMAGE")"
have_reg_image="$(docker container inspect -f '{{.Image}}' "$REGISTRY_CONTAINER" 2>/dev/null || true)"
if [ -n "$have_reg_image" ] && [ "$have_reg_image" != "$want_reg_image" ]; then
	say "registry image changed: replacing container $REGISTRY_CONTAINER (data volume kept)"
	docker rm -f "$REGISTRY_CONTAINER" >/dev/null
	have_reg_image=""
fi
if [ -z "$have_reg_image" ]; then
	say "starting registry container $REGISTRY_CONTAINER on $REGISTRY_HOSTPORT"
	docker run -d --name "$REGISTRY_CONTAINER" --restart unless-stopped \
		-p "$REGISTRY_HOSTPORT:5000" -v "$REGISTRY_VOLUME:/var/lib/docker-registry" \
		"$REGISTRY_IMAGE" >/dev/null \
		|| die "could not start the registry container (is $REGISTRY_HOSTPORT already taken?)"
elif [ "$(docker container inspect -f '{{.State.Running}}' "$REGISTRY_CONTAINER")" != true ]; then
	say "restarting stopped registry container $REGISTRY_CONTAINER"
	docker start "$REGISTRY_CONTAINER" >/dev/null
else
	say "reusing running registry container $REGISTRY_CONTAINER"
fi
for _ in $(seq 1 50); do registry_up && break; sleep 0.2; done
registry_up || { docker logs --tail 20 "$REGISTRY_CONTAINER" >&2 || true; die "registry on $REGISTRY_HOSTPORT does not answer"; }

# ---------------------------------------------------------------------------------------------
# b, c. The two test images
build_image "$HERE/postgres-stand-in" "$POSTGRES_REPO:$POSTGRES_TAG" "aiterm-test/postgres-stand-in:$POSTGRES_TAG"
build_image "$HERE/litellm-test-double" "$LITELLM_REPO:$LITELLM_TAG" "aiterm-test/litellm-test-double:$LITELLM_TAG"
# the double's next release (one more migration), built on the double just built: its cache key
# includes that image's id, so a changed double rebuilds it
PARENT_IMAGE="aiterm-test/litellm-test-double:$LITELLM_TAG" build_image "$HERE/litellm-test-double-next" \
	"$LITELLM_REPO:$LITELLM_NEXT_TAG" "aiterm-test/litellm-test-double:$LITELLM_NEXT_TAG"
# a broken release (its server exits at start, its migration works), built on the "-next" double
PARENT_IMAGE="aiterm-test/litellm-test-double:$LITELLM_NEXT_TAG" build_image "$HERE/litellm-test-double-broken" \
	"$LITELLM_REPO:$LITELLM_BROKEN_TAG" "aiterm-test/litellm-test-double:$LITELLM_BROKEN_TAG"
build_image "$HERE/redis-stand-in" "$REDIS_REPO:$REDIS_TAG" "aiterm-test/redis-stand-in:$REDIS_TAG"
build_image "$HERE/haproxy-stand-in" "$HAPROXY_REPO:$HAPROXY_TAG" "aiterm-test/haproxy-stand-in:$HAPROXY_TAG"

# belt and braces: the real LiteLLM image has neither curl nor wget, so neither may this one
if docker run --rm --entrypoint /bin/sh "$LITELLM_REPO:$LITELLM_TAG" -c \
	'command -v curl || command -v wget || find / -xdev \( -name curl -o -name wget \) -type f | grep .' >/dev/null 2>&1; then
	die "curl or wget found in $LITELLM_REPO:$LITELLM_TAG; the real image has neither"
fi

# ---------------------------------------------------------------------------------------------
# d (second half). Push and read back the digests
push_and_ref() { # push_and_ref NAME:TAG -> sets REF to NAME:TAG@sha256:...
	local ref="$1" repo="${1%:*}" t0 out digest repodigests
	t0=$(now)
	out="$(docker push "$ref" 2>&1)" || { printf '%s\n' "$out" >&2; die "docker push $ref failed"; }
	digest="$(printf '%s\n' "$out" | sed -n 's/.*digest: \(sha256:[0-9a-f]\{64\}\).*/\1/p' | tail -n1)"
	[ -n "$digest" ] || die "no digest in the output of docker push $ref"
	repodigests="$(docker image inspect -f '{{range .RepoDigests}}{{.}} {{end}}' "$ref")"
	case " $repodigests " in
		*" $repo@$digest "*) ;;
		*) die "pushed digest $digest of $ref not among its RepoDigests ($repodigests)";;
	esac
	REF="$ref@$digest"
	say "pushed   $REF in $(elapsed "$t0")"
}
push_and_ref "$POSTGRES_REPO:$POSTGRES_TAG"; postgres_ref="$REF"
push_and_ref "$LITELLM_REPO:$LITELLM_TAG"; litellm_ref="$REF"
push_and_ref "$LITELLM_REPO:$LITELLM_NEXT_TAG"; litellm_next_ref="$REF"
push_and_ref "$LITELLM_REPO:$LITELLM_BROKEN_TAG"; litellm_broken_ref="$REF"
push_and_ref "$REDIS_REPO:$REDIS_TAG"; redis_ref="$REF"
push_and_ref "$HAPROXY_REPO:$HAPROXY_TAG"; haproxy_ref="$REF"

# prove the refs are pullable by digest from the local registry
for ref in "$postgres_ref" "$litellm_ref" "$litellm_next_ref" "$litellm_broken_ref" "$redis_ref" "$haproxy_ref"; do
	docker pull -q "$ref" >/dev/null || die "docker pull $ref failed"
done

# ---------------------------------------------------------------------------------------------
# e. .refs.json
python3 - "$REFS_FILE" "$postgres_ref" "$litellm_ref" "$litellm_next_ref" "$litellm_broken_ref" "$redis_ref" "$haproxy_ref" <<-'PY'
	import datetime, json, os, sys
	path, pg, ll, ll_next, ll_broken, rd, hp = sys.argv[1:]
	data = {
	    "postgresImage": pg,
	    "litellmImage": ll,
	    "litellmNextImage": ll_next,
	    "litellmBrokenImage": ll_broken,
	    "redisImage": rd,
	    "haproxyImage": hp,
	    "builtAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
	}
	tmp = path + ".tmp"
	with open(tmp, "w") as f:
	    json.dump(data, f, indent=2)
	    f.write("\n")
	os.replace(tmp, path)
PY
say "wrote $REFS_FILE"
say "postgresImage: $postgres_ref"
say "litellmImage:  $litellm_ref"
say "litellmNextImage: $litellm_next_ref"
say "litellmBrokenImage: $litellm_broken_ref"
say "redisImage:    $redis_ref"
say "haproxyImage:  $haproxy_ref"
say "done in $(elapsed "$T0")"
