#!/usr/bin/env bash
# Vendor the browser assets the web pages and their tests use, from the npm registry, at
# pinned versions. The results are committed, so serving and testing need no network; run
# this only to upgrade (change a version below, run it, commit the files it writes).
#   swagger-ui-dist -> api/web/static/vendor/swagger-ui/  (the offline /docs page)
#   axe-core        -> tests/browser/vendor/axe.min.js     (the accessibility check in the browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."
SWAGGER_UI=5.35.0
AXE_CORE=4.14.1
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

fetch() {  # fetch NAME VERSION: unpack the package's tarball into $tmp/NAME
    (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null && mkdir -p "$1" && tar -xzf "$1"-*.tgz -C "$1" --strip-components=1)
}

fetch swagger-ui-dist "$SWAGGER_UI"
out=api/web/static/vendor/swagger-ui
mkdir -p "$out"
cp "$tmp/swagger-ui-dist/swagger-ui-bundle.js" "$tmp/swagger-ui-dist/swagger-ui.css" "$tmp/swagger-ui-dist/LICENSE" "$out/"
echo "swagger-ui-dist $SWAGGER_UI (npm), Apache-2.0" > "$out/VERSION"

fetch axe-core "$AXE_CORE"
out=tests/browser/vendor
mkdir -p "$out"
cp "$tmp/axe-core/axe.min.js" "$out/axe.min.js"
cp "$tmp/axe-core/LICENSE" "$out/axe-core.LICENSE"
echo "axe-core $AXE_CORE (npm), MPL-2.0" > "$out/VERSION"
echo "vendored swagger-ui-dist $SWAGGER_UI and axe-core $AXE_CORE"
