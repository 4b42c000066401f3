#!/bin/sh
# Copy the front-end libraries installed by npm into static/vendor (no CDN). Used by `make assets`
# and by the Dockerfile, so both serve the same files. Source maps come along: the hashed static
# storage of production checks every sourceMappingURL.
set -eu
cd "$(dirname "$0")/.."
mkdir -p static/vendor/bootstrap static/vendor/htmx static/vendor/chartjs static/vendor/axe-core
cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map \
   node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map \
   static/vendor/bootstrap/
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map static/vendor/chartjs/
# axe-core is not loaded by any page: the accessibility test injects it (served from here).
cp node_modules/axe-core/axe.min.js static/vendor/axe-core/
