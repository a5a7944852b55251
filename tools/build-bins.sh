#!/usr/bin/env bash
# Builds the real parts Sluice's tests run (control plane, kubectl, kwok, Prometheus,
# kustomize) from their upstream Go modules and fetches Istio's CRDs, into a cache
# OUTSIDE the clone, keyed by a hash of what each part is built from. A fresh clone on
# the same machine reuses them; a changed go.sum or version rebuilds only that part.
# Finally it links the set into <repo>/.sluice/bin (and .sluice/istio-crds.yaml).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${SLUICE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice}
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

KUBE_VERSION=v1.34.10
KWOK_VERSION=v0.8.0
KUSTOMIZE_VERSION=v5.8.1
ISTIO_API_VERSION=v1.28.0

log() { printf '[build-bins] %s\n' "$*" >&2; }
fail() {
  log "FAILED: $1"
  log "retry with: make setup   (or: bash tools/build-bins.sh); the log above says why"
  exit 1
}
command -v go >/dev/null || fail "go is not on PATH (Go >= 1.25 is needed to build the control plane)"

go_version=$(go env GOVERSION)
hash_of() { # hash_of STRING FILE... -> short hash of the go version, the string and the files
  { echo "$go_version $1"; shift; cat "$@"; } | sha256sum | cut -c1-16
}

# build_part NAME HASH COMMAND... : runs COMMAND with $out set to the target dir, once per hash.
build_part() {
  local name=$1 hash=$2; shift 2
  out="$cache/parts/$name-$hash"
  if [[ -f "$out/.done" ]]; then
    log "$name: cached ($out)"
  else
    log "$name: building into $out (first time: a few minutes)"
    rm -rf "$out.tmp" && mkdir -p "$out.tmp"
    local start=$SECONDS
    out="$out.tmp" "$@" || fail "$name build"
    out="$cache/parts/$name-$hash"
    rm -rf "$out" && mv "$out.tmp" "$out" && touch "$out/.done"
    log "$name: built in $((SECONDS - start)) s"
  fi
  parts+=("$out")
}

build_kubebin() {
  local ld="-s -w" pkg
  # Stamp the version: an unstamped apiserver reports no semantic version and clients
  # that check it refuse to start.
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=34"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  (cd "$repo/tools/kubebin" && go build -trimpath -ldflags "$ld" -o "$out/kubebin" .)
}
build_prometheus() {
  (cd "$repo/tools/prometheus" && go build -trimpath -ldflags "-s -w" -o "$out/prometheus" \
    github.com/prometheus/prometheus/cmd/prometheus)
}
build_kwok() { GOBIN="$out" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"; }
build_kustomize() {
  GOBIN="$out" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
}
fetch_istio_crds() {
  local dir
  dir=$(cd "$repo/tools/kubebin" && GOFLAGS= go mod download -json "istio.io/api@$ISTIO_API_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n "$dir" ]] || return 1
  cp "$dir/kubernetes/customresourcedefinitions.gen.yaml" "$out/istio-crds.yaml"
}

parts=()
build_part kubebin "$(hash_of "$KUBE_VERSION" "$repo"/tools/kubebin/{go.mod,go.sum,main.go} "$0")" build_kubebin
build_part kwok "$(hash_of "$KWOK_VERSION")" build_kwok
build_part kustomize "$(hash_of "$KUSTOMIZE_VERSION")" build_kustomize
build_part prometheus "$(hash_of "" "$repo"/tools/prometheus/{go.mod,go.sum})" build_prometheus
build_part istio-crds "$(hash_of "$ISTIO_API_VERSION")" fetch_istio_crds

# Link the set into the clone: .sluice/bin holds one name per program.
bin="$repo/.sluice/bin"
rm -rf "$bin" && mkdir -p "$bin"
for p in "${parts[@]}"; do
  for f in "$p"/*; do ln -s "$f" "$bin/$(basename "$f")"; done
done
for name in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  ln -s kubebin "$bin/$name"
done
mv "$bin/istio-crds.yaml" "$repo/.sluice/istio-crds.yaml"
"$bin/kubectl" version --client >/dev/null || fail "the built kubectl does not run"
log "ready: $bin"
