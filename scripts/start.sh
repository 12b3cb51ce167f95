#!/usr/bin/env bash
# npm start: check the ports and PIXIE_REDIRECT_URIS (at once, before any install or build),
# install what is missing, build what is not up to date, and serve the demo with the local
# OpenID provider. Point the demo at a real Genesys Cloud org with PIXIE_GENESYS_REGION and
# PIXIE_GENESYS_CLIENT_ID; register your own app's redirect URIs with PIXIE_REDIRECT_URIS
# (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
node devserver/preflight.mjs
bash scripts/setup.sh
bash scripts/build.sh
exec node devserver/server.mjs
