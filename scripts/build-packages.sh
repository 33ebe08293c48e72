#!/usr/bin/env bash
# Builds what `npm pack` and `npm publish` ship (each package's prepack runs it for itself):
# the package and the workspace packages it depends on, in dependency order, each compiled
# against the others' built types as an installed package would be, with declaration and source
# maps; for the server, also the web app it carries (packages/server/web-app, served at / by
# `webrtc-connect serve`).
#
#   scripts/build-packages.sh [name...]  build these (npm names; default: the package npm is
#                                        packing, or all of them)
#   scripts/build-packages.sh --clean    remove every build again (each package's postpack): the
#                                        workspace runs its TypeScript sources, and a stale build
#                                        would shadow them in `webrtc-connect serve`
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ${1:-} == --clean ]]; then
  rm -rf packages/{protocol,signal,modem,client,server}/dist packages/server/web-app
  exit 0
fi

# Each package's directory and the workspace packages it needs built first.
declare -A needs=(
  [@webrtc-connect/protocol]="protocol"
  [@webrtc-connect/signal]="signal"
  [@webrtc-connect/modem]="modem"
  [webrtc-connect]="protocol signal modem client"
  [@webrtc-connect/server]="protocol server"
)
names=("$@")
if ((${#names[@]} == 0)); then
  if [[ -n ${npm_package_name:-} ]]; then names=("$npm_package_name"); else names=("${!needs[@]}"); fi
fi
dirs=()
for name in "${names[@]}"; do
  [[ -n ${needs[$name]:-} ]] || { echo "build-packages: unknown package $name" >&2; exit 2; }
  dirs+=(${needs[$name]})
done

bin=node_modules/.bin
for dir in protocol signal modem client server; do
  [[ " ${dirs[*]} " == *" $dir "* ]] || continue
  rm -rf "packages/$dir/dist"
  "$bin/tsc" -p "packages/$dir/tsconfig.build.json"
done
if [[ " ${dirs[*]} " == *" server "* ]]; then
  # The app is built from the workspace's sources (vite.config.ts resolves them): nothing else
  # needs building first.
  "$bin/vite" build --logLevel warn --config apps/web/vite.config.ts \
    --outDir "$PWD/packages/server/web-app" --emptyOutDir
fi
