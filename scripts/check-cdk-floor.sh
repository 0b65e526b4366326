#!/usr/bin/env bash
# Build: checks the aws-cdk-lib floor of peerDependencies. Packs this package, installs it with the given
# aws-cdk-lib (and the constructs floor) in a scratch app and synthesizes a stack with LockJanitor.
# Needs the npm registry. Usage: scripts/check-cdk-floor.sh 2.269.0 [2.268.0 ...]
set -euo pipefail
cd "$(dirname "$0")/.."
constructs=$(node -p "require('./package.json').peerDependencies.constructs.replace(/^\\^/, '')")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
npm pack --pack-destination "$scratch" --silent > "$scratch/name"
tarball="$scratch/$(tail -1 "$scratch/name")"
for version in "$@"; do
  app="$scratch/app-$version"
  mkdir -p "$app"
  echo '{"name":"floor-check","private":true}' > "$app/package.json"
  cat > "$app/app.js" <<'JS'
const { App, Stack } = require('aws-cdk-lib');
const { LockJanitor } = require('tf-lock-janitor');
const app = new App({ outdir: 'cdk.out' });
new LockJanitor(new Stack(app, 'Floor'), 'Janitor', { alertEmails: ['ops@example.com'] });
app.synth();
JS
  (cd "$app" && npm install --prefer-offline --no-audit --no-fund --legacy-peer-deps \
    "$tarball" "aws-cdk-lib@$version" "constructs@$constructs" > install.log 2>&1)
  if (cd "$app" && node app.js > synth.log 2>&1); then
    echo "aws-cdk-lib $version: synth ok"
  else
    echo "aws-cdk-lib $version: synth FAILED: $(grep -m1 -v '^\s*$' "$app/synth.log" | cut -c1-200)"
    grep -m1 '«' "$app/synth.log" || true
  fi
  rm -rf "$app/node_modules"
done
