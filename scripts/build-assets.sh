#!/usr/bin/env bash
# Build the front end into static/ (served at /assets) and vendor axe-core for the browser tests.
#
#   scripts/build-assets.sh               npm ci (npm install if there is no lockfile), then build
#   scripts/build-assets.sh --no-install  build from the node_modules already there
#
# Outputs (committed, so running and testing the app need Python only):
#   static/css/app.css                      GOV.UK Frontend + assets/scss/app.scss, Arial, compressed
#   static/js/govuk-frontend.min.js(.map)   GOV.UK Frontend's ES module
#   static/js/app.js                        assets/js/app.js: imports it and calls initAll()
#   static/js/person-search.js              assets/js/person-search.js: suggestions in a person search
#   static/js/accessible-autocomplete.min.js(.map), static/css/accessible-autocomplete.min.css
#                                           GOV.UK's accessible-autocomplete, which it uses
#   static/js/js-enabled.js                 body classes, for the layout (no inline script)
#   static/images/*, static/manifest.json   the service's own icons (no crown), GOV.UK's manifest
#   tests/browser/vendor/axe.min.js         axe-core, with its licences beside it
set -euo pipefail

cd "$(dirname "$0")/.."

install=1
case "${1:-}" in
    --no-install) install=0 ;;
    "") ;;
    *) echo "usage: $0 [--no-install]" >&2; exit 2 ;;
esac

if (( install )); then
    # --ignore-scripts: nothing here needs an install script (sass's optional file watcher
    # has one, and the build never watches).
    if [[ -f package-lock.json ]]; then
        npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    else
        npm install --ignore-scripts --no-audit --no-fund --loglevel=error
    fi
fi

GOVUK=node_modules/govuk-frontend/dist/govuk
AXE=node_modules/axe-core
AUTOCOMPLETE=node_modules/accessible-autocomplete/dist
for required in "$GOVUK/govuk-frontend.min.js" "$AXE/axe.min.js" "$AUTOCOMPLETE/accessible-autocomplete.min.js" \
        node_modules/.bin/sass; do
    [[ -e $required ]] || { echo "build-assets: $required missing: run without --no-install" >&2; exit 1; }
done

mkdir -p static/css static/js static/images tests/browser/vendor

# CSS: one compressed file; Sass resolves "pkg:govuk-frontend" through node_modules.
node_modules/.bin/sass --pkg-importer=node --style=compressed --no-source-map \
    assets/scss/app.scss static/css/app.css

# JavaScript
cp "$GOVUK/govuk-frontend.min.js" "$GOVUK/govuk-frontend.min.js.map" static/js/
cp assets/js/app.js assets/js/js-enabled.js assets/js/person-search.js static/js/
cp "$AUTOCOMPLETE/accessible-autocomplete.min.js" "$AUTOCOMPLETE/accessible-autocomplete.min.js.map" static/js/
cp "$AUTOCOMPLETE/accessible-autocomplete.min.css" static/css/

# Icons: our own (assets/images, drawn by assets/icons/make-icons.mjs) under the file names
# govuk-frontend-jinja's template and GOV.UK's manifest use. GOV.UK's own images are not
# copied: its icons are the crown, the crest is for GOV.UK's footer and the Open Graph image
# is GOV.UK's; the footer crest is switched off in assets/scss/app.scss.
cp assets/images/* static/images/
cp "$GOVUK/assets/manifest.json" static/manifest.json

# axe-core for tests/browser (MPL-2.0: keep its licence notices with it)
cp "$AXE/axe.min.js" tests/browser/vendor/axe.min.js
cp "$AXE/LICENSE" tests/browser/vendor/axe-core.LICENSE
cp "$AXE/LICENSE-3RD-PARTY.txt" tests/browser/vendor/axe-core.LICENSE-3RD-PARTY.txt

# Check what the brief promises: Arial, no GDS Transport, no font files, images under /assets/images.
css=static/css/app.css
grep -q 'font-family:arial,sans-serif' "$css" || { echo "build-assets: $css lacks Arial" >&2; exit 1; }
if grep -qi 'GDS Transport\|/assets/fonts/\|@font-face' "$css"; then
    echo "build-assets: $css still refers to GDS Transport or font files" >&2
    exit 1
fi
if grep -o 'url([^)]*)' "$css" | grep -v '"/assets/images/' >/dev/null; then
    echo "build-assets: $css has a url() outside /assets/images/" >&2
    exit 1
fi

version() { node -p "JSON.parse(require('fs').readFileSync('node_modules/$1/package.json')).version"; }
echo "build-assets: govuk-frontend $(version govuk-frontend), sass $(version sass)," \
    "accessible-autocomplete $(version accessible-autocomplete)," \
    "axe-core $(version axe-core) -> static/, tests/browser/vendor/"
