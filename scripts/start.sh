#!/usr/bin/env bash
# npm start: install what is missing, build, and serve the demo with the local OpenID provider.
# Point the demo at a real Genesys Cloud org with PIXIE_GENESYS_REGION and
# PIXIE_GENESYS_CLIENT_ID (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec node devserver/server.mjs
