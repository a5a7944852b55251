#!/usr/bin/env bash
# make setup: everything the tests need, installed by the project itself.
#   1. system tools (git, openssl) from Debian when missing; Go must already be there
#   2. Node 24 LTS from the npm registry's `node` package when the machine's Node is older
#   3. the npm packages (npm ci)
#   4. the control plane, kubectl, kwok, Prometheus and kustomize built from Go modules,
#      and Istio's CRDs (tools/build-bins.sh, cached outside the clone)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${SLUICE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice}
node_version=$(sed -n 's/.*"node": "\([0-9.]*\)".*/\1/p' "$repo/tools/node/package.json")
node_dir="$cache/node-$node_version"
start=$SECONDS
log() { printf '[setup] %s\n' "$*" >&2; }

missing=()
for tool in git openssl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
  log "installing ${missing[*]} from Debian"
  { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } ||
    { log "FAILED to install ${missing[*]}: install them and run make setup again"; exit 1; }
fi
command -v go >/dev/null || { log "FAILED: Go (>= 1.25) is needed to build the test binaries"; exit 1; }
command -v npm >/dev/null || { log "FAILED: npm is needed (any Node with npm; Node 24 is installed from it)"; exit 1; }

node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if (($(node_major) >= 24)); then
  log "node $(node --version) is new enough"
elif [[ -x "$node_dir/node_modules/.bin/node" ]]; then
  log "node v$node_version: cached ($node_dir)"
else
  log "node $(node --version 2>/dev/null || echo none) is older than 24: installing node@$node_version from the npm registry"
  rm -rf "$node_dir.tmp" && mkdir -p "$node_dir.tmp"
  cp "$repo/tools/node/package.json" "$repo/tools/node/package-lock.json" "$node_dir.tmp/"
  (cd "$node_dir.tmp" && npm ci --no-audit --no-fund --loglevel=error) ||
    { log "FAILED to install node@$node_version; retry: make setup"; exit 1; }
  rm -rf "$node_dir" && mv "$node_dir.tmp" "$node_dir"
fi
export PATH="$node_dir/node_modules/.bin:$PATH"
log "using node $(node --version)"

log "npm ci"
t=$SECONDS
(cd "$repo" && npm ci --no-audit --no-fund --loglevel=error) || { log "FAILED: npm ci; retry: make setup"; exit 1; }
log "npm packages installed in $((SECONDS - t)) s"

bash "$repo/tools/build-bins.sh"
log "done in $((SECONDS - start)) s"
