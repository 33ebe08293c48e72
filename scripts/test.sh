#!/usr/bin/env bash
# The whole suite, as `npm test` and CI run it: system packages, format and lint, type check,
# the README's generated tables, then every test (unit, integration and browser tiers, see
# test/tiers.ts) inside a private network namespace. Ends with one line "tests: N passed, N failed".
#
#   npm test                      everything
#   npm test -- --tier unit       lint, type check, then one tier (unit, integration or browser);
#                                 unit and integration skip packing the packages (only the
#                                 browser tier's installed-packages test uses the packed project)
set -euo pipefail
cd "$(dirname "$0")/.."

tier=""
while (($# > 0)); do
  case $1 in
    --tier) tier=${2:-}; shift 2 || { echo "test: --tier needs unit, integration or browser" >&2; exit 2; } ;;
    --tier=*) tier=${1#--tier=}; shift ;;
    *) echo "test: unknown argument $1 (use --tier unit|integration|browser)" >&2; exit 2 ;;
  esac
done
case $tier in
  "" | unit | integration | browser) ;;
  *) echo "test: unknown tier \"$tier\": unit, integration or browser" >&2; exit 2 ;;
esac

# Debian packages the suite needs, as "command:package" (or "path:package").
required=(/usr/bin/chromium:chromium /usr/bin/firefox-esr:firefox-esr ip:iproute2
  unshare:util-linux pulseaudio:pulseaudio systemd-analyze:systemd pactl:pulseaudio-utils
  redis-server:redis-server turnserver:coturn sox:sox
  /usr/share/doc/libsox-fmt-all:libsox-fmt-all opusenc:opus-tools)
missing=()
for entry in "${required[@]}"; do
  # A command, or a path for a package that has none (a library's documentation folder).
  command -v "${entry%%:*}" >/dev/null 2>&1 || [[ -e ${entry%%:*} ]] || missing+=("${entry##*:}")
done
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "test: installing ${missing[*]} with apt"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "test: missing system packages. Run this, then npm test again:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
[[ -d node_modules ]] || npm ci

bin=node_modules/.bin
tsx=("$bin/tsx" --conditions=@webrtc-connect/source)

# The checks before the tests are independent of one another: side by side (about 25 s one
# after another here, and the consumer project alone 30 to 60 s), each one's output printed
# whole once all are done, in this order.
checks=$(mktemp -d "${TMPDIR:-/tmp}/webrtc-connect-checks.XXXXXX")
consumer=""
trap 'rm -rf "$checks" ${consumer:+"$consumer"}' EXIT
names=()
pids=()
check() {
  local name=$1
  shift
  names+=("$name")
  "$@" >"$checks/${#names[@]}.log" 2>&1 &
  pids+=($!)
}
check "format and lint" "$bin/biome" ci --error-on-warnings .
# The runtime-neutral packages alone, without Node's types: they must not use Node's globals.
check "type check (signal)" "$bin/tsc" -p packages/signal/tsconfig.json
check "type check (protocol)" "$bin/tsc" -p packages/protocol/tsconfig.json
# The client's browser code likewise (its Node subpath, src/node, left out).
check "type check (client)" "$bin/tsc" -p packages/client/tsconfig.json
check "type check" "$bin/tsc" -p tsconfig.json
check "engines" "${tsx[@]}" scripts/engines-check.ts
if [[ -z $tier || $tier == browser ]]; then
  # Needs the npm registry, so before the network namespace; the browser test
  # installed-packages.test.ts builds and drives the project inside it. Never beside the tests:
  # its packing builds each package's dist, which `webrtc-connect serve` would run meanwhile.
  consumer=$(mktemp -d "${TMPDIR:-/tmp}/webrtc-connect-consumer.XXXXXX")
  # One after the other with the generated docs: both pack the packages, and each pack builds
  # then removes (postpack) the same dist folders, so side by side one could pack the other's
  # half-removed build.
  check "generated docs, then packages as published (pack, publint, attw, install into a fresh project)" \
    bash -c '"$@" scripts/readme-tables.ts --check && bash scripts/consumer-project.sh "$0"' \
    "$consumer" "${tsx[@]}"
  export WEBRTC_CONNECT_CONSUMER=$consumer
else
  # The bundle table needs the packed packages: checked by the whole suite and the browser tier.
  check "generated docs (all but the bundle table)" "${tsx[@]}" scripts/readme-tables.ts --check --no-bundles
fi
failed=0
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then echo "test: ${names[$i]}"; else
    echo "test: ${names[$i]}: FAILED"
    failed=1
  fi
  cat "$checks/$((i + 1)).log"
done
((failed == 0)) || exit 1

projects=()
[[ -n $tier ]] && projects=(--project "$tier")
echo "test: ${tier:-unit, integration and browser} tests (private network namespace)"
mkdir -p test-results
rm -f test-results/vitest*.json test-results/vitest-waits.log
reports=(test-results/vitest.json)
status=0
waits=""
if [[ $tier != unit ]]; then
  # The wait-bound files (test/tiers.ts: a code typed 3 minutes late, tokens expiring over two
  # minutes, network changes) in a second vitest process and network namespace, beside the rest:
  # their idle minutes overlap the other files instead of adding to them. At a lower priority,
  # so the rest (real-time sound among it) gets the CPU first. Its report comes at the end.
  echo "test: wait-bound files run beside the rest (log: test-results/vitest-waits.log)"
  WEBRTC_CONNECT_TEST_LANE=waits nice -n 10 bash scripts/in-netns.sh "$bin/vitest" run "${projects[@]}" \
    --passWithNoTests --reporter=default --reporter=json \
    --outputFile.json=test-results/vitest-waits.json >test-results/vitest-waits.log 2>&1 &
  waits=$!
  # Interrupted: stop it too (it is vitest itself: in-netns.sh execs the command).
  trap 'kill "$waits" 2>/dev/null || true' INT TERM
  reports+=(test-results/vitest-waits.json)
fi
WEBRTC_CONNECT_TEST_LANE=rest bash scripts/in-netns.sh "$bin/vitest" run "${projects[@]}" \
  --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=$?
if [[ -n $waits ]]; then
  wait "$waits" || status=1
  echo "test: the wait-bound files' run:"
  cat test-results/vitest-waits.log
fi
"${tsx[@]}" scripts/test-summary.ts "${reports[@]}" || status=1
exit "$status"
