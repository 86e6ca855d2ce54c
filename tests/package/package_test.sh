#!/usr/bin/env bash
# Usage: tests/package/package_test.sh BUILD_DIR [DEB]
# The Debian package, installed into a scratch root and started from there: makes the .deb from
# BUILD_DIR with cpack (or takes DEB, e.g. the release one from scripts/package.sh), checks its
# control data (Depends, conffiles, maintainer scripts), its files, that the installed configuration
# is config/qgate.toml with only its file paths moved, and the systemd unit; then unpacks it
# with dpkg-deb -x and runs its qgate on its own installed files, probing /healthz, the catalog
# seeded from the package, /openapi.json, /docs, /redoc, a SIGHUP reload and a SIGTERM stop.
# Not covered (no systemd in CI, and dpkg -i would change the machine): the maintainer scripts'
# effects (user, /var/lib/qgate, /etc/default/qgate), the unit's sandbox, `systemctl reload`.
# shellcheck disable=SC2016  # the scripts' and the unit's "$1", $MAINPID … are matched as written
set -euo pipefail

build_dir=$(realpath "$1")
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "package_test: $*" >&2
  exit 1
}
step() { echo "== $*"; }
# A packaged file is its source, byte for byte (a package older than the checkout fails here).
same() { cmp -s "$1" "$2" || fail "/${1#"$root"/} differs from ${2#"$source_dir"/}"; }

# 1. The package.
if [ -n "${2:-}" ]; then
  deb=$(realpath "$2")
else
  step "cpack -G DEB in $build_dir"
  # Uncompressed: the sanitizer build's binary is large, and compression is not under test.
  "${CPACK:-cpack}" -G DEB --config "$build_dir/CPackConfig.cmake" -B "$work/cpack" \
    -D CPACK_DEBIAN_COMPRESSION_TYPE=none >"$work/cpack.log" 2>&1 ||
    { cat "$work/cpack.log"; fail "cpack failed"; }
  debs=("$work"/cpack/qgate_*.deb)
  [ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "cpack made no single qgate_*.deb"
  deb=${debs[0]}
fi
echo "$deb"

# 2. Control data.
step "control"
dpkg-deb -I "$deb"
[ "$(dpkg-deb -f "$deb" Package)" = qgate ] || fail "Package is not qgate"
depends=$(dpkg-deb -f "$deb" Depends)
for needed in adduser libcaf-core0.17 libpq5 libhiredis0.14 libcurl4 libsqlite3-0 libssl3 \
              libsimdjson14 libfmt9; do
  [[ ", $depends," =~ ,\ ${needed}[\ ,] ]] || fail "Depends lacks $needed: $depends"
done
dpkg-deb -e "$deb" "$work/control"
[ "$(cat "$work/control/conffiles")" = /etc/qgate/qgate.toml ] ||
  fail "conffiles is not exactly /etc/qgate/qgate.toml: $(cat "$work/control/conffiles")"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "$script missing or not executable"
  sh -n "$work/control/$script" || fail "$script: syntax error"
  cmp -s "$work/control/$script" "$source_dir/deploy/debian/$script" ||
    fail "$script differs from deploy/debian/$script"
done
grep -q 'adduser --system --group --home "$state_dir" --no-create-home' "$work/control/postinst" ||
  fail "postinst does not create the qgate system user"
# systemctl only when systemd runs: the scripts must work in a chroot.
for script in postinst prerm postrm; do
  if grep -q 'systemctl\|deb-systemd-invoke' "$work/control/$script"; then
    grep -q '/run/systemd/system' "$work/control/$script" || fail "$script calls systemd unguarded"
  fi
done
grep -q '"$1" = purge' "$work/control/postrm" || fail "postrm removes data on something else than purge"

# 3. Files.
step "files"
root=$work/root
dpkg-deb -x "$deb" "$root"
for file in usr/bin/qgate etc/qgate/qgate.toml lib/systemd/system/qgate.service \
            usr/share/qgate/models.json usr/share/qgate/openapi.json \
            usr/share/doc/qgate/examples/nginx-fleet.conf; do
  [ -f "$root/$file" ] || fail "the package lacks /$file"
done
[ -x "$root/usr/bin/qgate" ] || fail "/usr/bin/qgate is not executable"
[ ! -e "$root/var" ] || fail "the package ships /var (postinst makes /var/lib/qgate)"
same "$root/usr/share/qgate/models.json" "$source_dir/config/models.json"
same "$root/usr/share/qgate/openapi.json" "$source_dir/http/docs/openapi.json"
same "$root/lib/systemd/system/qgate.service" "$source_dir/deploy/qgate.service"
same "$root/usr/share/doc/qgate/examples/nginx-fleet.conf" "$source_dir/deploy/nginx-fleet.conf"
# The docs assets: exactly the files http/static_assets.cpp serves (and licences), when the build
# had them.
docs_assets=yes
[ -d "$source_dir/web/node_modules/swagger-ui-dist" ] || docs_assets=no
if [ "$docs_assets" = yes ]; then
  for file in swagger-ui-dist/swagger-ui.css swagger-ui-dist/swagger-ui-bundle.js \
              swagger-ui-dist/swagger-ui-standalone-preset.js swagger-ui-dist/favicon-32x32.png \
              redoc/bundles/redoc.standalone.js; do
    same "$root/usr/share/qgate/web/$file" "$source_dir/web/node_modules/$file"
  done
  ! find "$root/usr/share/qgate/web" -name '*.map' | grep -q . || fail "source maps installed"
fi
if [ -f "$source_dir/web/console/index.html" ]; then
  same "$root/usr/share/qgate/console/index.html" "$source_dir/web/console/index.html"
fi

# 4. The installed configuration: every key of config/qgate.toml with the same value, but for the
# file paths, which point at the FHS places the package fills (no drift between the two).
step "installed configuration"
# "section.key = value" for each key, comments dropped.
keys_of() {
  awk '
    /^[[:space:]]*\[/ { gsub(/[][[:space:]]/, ""); section = $0; next }
    /^[[:space:]]*[A-Za-z0-9_]+[[:space:]]*=/ {
      line = $0; sub(/^[[:space:]]*/, "", line)
      key = line; sub(/[[:space:]]*=.*/, "", key)
      value = line; sub(/^[^=]*=[[:space:]]*/, "", value)
      if (value ~ /^"/) { match(value, /^"[^"]*"/); value = substr(value, 1, RLENGTH) }
      else { sub(/[[:space:]]*(#.*)?$/, "", value) }
      print section "." key " = " value
    }' "$1" | sort
}
keys_of "$source_dir/config/qgate.toml" >"$work/source.keys"
keys_of "$root/etc/qgate/qgate.toml" >"$work/installed.keys"
[ "$(wc -l <"$work/source.keys")" -ge 40 ] || fail "config/qgate.toml: too few keys parsed"
# The moved keys and their installed values (admin.console_dir only once config/qgate.toml has it).
declare -A fhs=(
  [catalog.path]=/var/lib/qgate/catalog.db
  [limits.ledger_spill_path]=/var/lib/qgate/ledger-spill.jsonl
  [catalog.seed]=/usr/share/qgate/models.json
  [docs.assets_dir]=/usr/share/qgate/web
  [docs.openapi]=/usr/share/qgate/openapi.json
  [admin.console_dir]=/usr/share/qgate/console
)
for key in catalog.path limits.ledger_spill_path catalog.seed docs.assets_dir docs.openapi; do
  grep -q "^$key = " "$work/source.keys" || fail "config/qgate.toml has no $key any more"
done
while read -r key _ value; do
  installed=$(grep -E "^${key//./\\.} = " "$work/installed.keys" | cut -d' ' -f3- || true)
  if [ -n "${fhs[$key]:-}" ]; then
    [ "$installed" = "\"${fhs[$key]}\"" ] ||
      fail "installed $key is ${installed:-missing}, expected \"${fhs[$key]}\""
  else
    [ "$installed" = "$value" ] ||
      fail "installed $key is ${installed:-missing}, config/qgate.toml has $value"
    # A path key this table does not know would stay relative to the service's working directory.
    if [[ $key =~ (path|dir|file|seed|openapi)$ ]] && [[ $value =~ ^\"[^/\"] ]]; then
      fail "$key = $value is a relative path: give it an FHS place in cmake/packaging.cmake"
    fi
  fi
done <"$work/source.keys"
[ "$(wc -l <"$work/installed.keys")" -eq "$(wc -l <"$work/source.keys")" ] ||
  fail "the installed configuration has keys config/qgate.toml does not"

# 5. The unit.
step "systemd unit"
unit=$root/lib/systemd/system/qgate.service
for line in 'User=qgate' 'Group=qgate' 'ExecStart=/usr/bin/qgate --config /etc/qgate/qgate.toml' \
            'ExecReload=/bin/kill -HUP $MAINPID' 'Restart=on-failure' 'LimitNOFILE=1048576' \
            'StateDirectory=qgate' 'EnvironmentFile=-/etc/default/qgate' 'NoNewPrivileges=yes' \
            'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
            'ProtectKernelTunables=yes' 'ProtectKernelModules=yes' 'ProtectKernelLogs=yes' \
            'ProtectControlGroups=yes' 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
            'RestrictNamespaces=yes' 'LockPersonality=yes' 'MemoryDenyWriteExecute=yes' \
            'SystemCallArchitectures=native' 'CapabilityBoundingSet=' \
            'ReadWritePaths=/var/lib/qgate' 'KillSignal=SIGTERM'; do
  grep -qxF "$line" "$unit" || fail "the unit lacks '$line'"
done
# The stop timeout outlasts the drain: the grace period, the last answers (1 s), the ledger write.
grace_ms=$(sed -n 's/^shutdown_grace_ms *= *\([0-9]*\).*/\1/p' "$root/etc/qgate/qgate.toml")
stop_s=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s*$/\1/p' "$unit")
[ -n "$grace_ms" ] && [ -n "$stop_s" ] && [ $((stop_s * 1000)) -ge $((grace_ms + 5000)) ] ||
  fail "TimeoutStopSec=${stop_s:-?}s is not server.shutdown_grace_ms (${grace_ms:-?} ms) + 5 s"
if command -v systemd-analyze >/dev/null; then
  # A copy whose ExecStart names the unpacked binary: verify wants every command to exist.
  mkdir "$work/unit"
  sed "s|^ExecStart=/usr/bin/qgate|ExecStart=$root/usr/bin/qgate|" "$unit" >"$work/unit/qgate.service"
  systemd-analyze verify "$work/unit/qgate.service" || fail "systemd-analyze verify"
  # Exposure 0 (sandboxed) .. 100 (none); the unit is at 15.
  systemd-analyze security --offline=yes --threshold=25 "$work/unit/qgate.service" >/dev/null ||
    fail "systemd-analyze security: exposure above 2.5"
else
  echo "systemd-analyze not found: unit not verified"
fi

# 6. Run the unpacked qgate on its installed files. The installed configuration names absolute
# paths, so each is redirected into the scratch root by its environment variable; what postinst
# would make (/var/lib/qgate) is made here.
step "run $root/usr/bin/qgate"
mkdir -p "$root/var/lib/qgate"
log=$work/qgate.log
env -i PATH="$PATH" HOME="$work" \
  ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
  QGATE_CATALOG_PATH="$root/var/lib/qgate/catalog.db" \
  QGATE_LIMITS_LEDGER_SPILL_PATH="$root/var/lib/qgate/ledger-spill.jsonl" \
  QGATE_CATALOG_SEED="$root/usr/share/qgate/models.json" \
  QGATE_DOCS_ASSETS_DIR="$root/usr/share/qgate/web" \
  QGATE_DOCS_OPENAPI="$root/usr/share/qgate/openapi.json" \
  "$root/usr/bin/qgate" --config "$root/etc/qgate/qgate.toml" --port 0 >"$log" 2>&1 &
pid=$!
# Blocks until the log has a line matching $1 (or qgate exits, or 30 s pass): no polling sleeps.
wait_for_log() {
  timeout 30 grep -m1 -E "$1" <(tail -F -n +1 --pid="$pid" "$log" 2>/dev/null) ||
    { cat "$log" >&2; fail "no log line matching '$1'"; }
}
listening=$(wait_for_log 'qgate listening on 127\.0\.0\.1:[0-9]+')
port=$(sed -E 's/.*listening on 127\.0\.0\.1:([0-9]+).*/\1/' <<<"$listening")
base=http://127.0.0.1:$port
echo "listening on $port"

# The status of a GET, its body in $work/body.
get() { curl -sS -o "$work/body" -w '%{http_code}' "$base$1"; }
[ "$(get /healthz)" = 200 ] || fail "/healthz"
[ "$(get /api/llm/models)" = 200 ] || fail "/api/llm/models"
grep -q '"qwen-turbo"' "$work/body" || fail "the catalog was not seeded from the package's seed"
[ -f "$root/var/lib/qgate/catalog.db" ] || fail "no catalog at /var/lib/qgate/catalog.db"
[ "$(get /openapi.json)" = 200 ] || fail "/openapi.json"
cmp -s "$work/body" "$root/usr/share/qgate/openapi.json" || fail "/openapi.json is not the installed one"
grep -qF "docs: OpenAPI document from $root/usr/share/qgate/openapi.json" "$log" ||
  fail "the OpenAPI document was not read from the package"
[ "$(get /docs)" = 200 ] || fail "/docs"
[ "$(get /redoc)" = 200 ] || fail "/redoc"
if [ "$docs_assets" = yes ]; then
  # Asset routes answer only when their page's files were all found.
  [ "$(get /docs/assets/swagger-ui-bundle.js)" = 200 ] || fail "/docs assets not served"
  cmp -s "$work/body" "$root/usr/share/qgate/web/swagger-ui-dist/swagger-ui-bundle.js" ||
    fail "/docs/assets/swagger-ui-bundle.js is not the installed file"
  [ "$(get /redoc/assets/redoc.standalone.js)" = 200 ] || fail "/redoc assets not served"
  ! grep -q 'install the assets' "$log" || { cat "$log"; fail "docs assets reported missing"; }
fi

# ExecReload: SIGHUP reloads and qgate goes on serving.
kill -HUP "$pid"
wait_for_log 'SIGHUP: reloading the catalog' >/dev/null
[ "$(get /healthz)" = 200 ] || fail "/healthz after SIGHUP"
# systemctl stop: SIGTERM drains and exits 0.
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
[ "$status" -eq 0 ] || { cat "$log"; fail "qgate exited $status after SIGTERM"; }
grep -q 'qgate stopped' "$log" || fail "no 'qgate stopped' after SIGTERM"

# 7. lintian on a given package (the release one: the one made here is uncompressed and
# sanitized), when installed: printed, not enforced (no copyright file, changelog or man page yet).
if [ -n "${2:-}" ] && command -v lintian >/dev/null; then
  step "lintian (informational)"
  lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v 'running with root privileges' || true
fi
echo "package_test: ok"
