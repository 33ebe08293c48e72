#!/usr/bin/env bash
# Builds what `npm pack` and `npm publish` ship (each package's prepack runs it): every library
# package in dependency order, each compiled against the others' built types as an installed
# package would be, with declaration and source maps; and the web app the server package
# carries (packages/server/web-app, served at / by `webrtc-connect serve`).
#
#   scripts/build-packages.sh           build them all
#   scripts/build-packages.sh --clean   remove the builds again (each package's postpack): the
#                                       workspace runs its TypeScript sources, and a stale build
#                                       would shadow them in `webrtc-connect serve`
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(protocol signal modem client server)
if [[ ${1:-} == --clean ]]; then
  for package in "${packages[@]}"; do rm -rf "packages/$package/dist"; done
  rm -rf packages/server/web-app
  exit 0
fi

bin=node_modules/.bin
for package in "${packages[@]}"; do
  rm -rf "packages/$package/dist"
  "$bin/tsc" -p "packages/$package/tsconfig.build.json"
done
"$bin/vite" build --logLevel warn --config apps/web/vite.config.ts \
  --outDir "$PWD/packages/server/web-app" --emptyOutDir
