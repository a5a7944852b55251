# Sluice. `make help` lists the targets. Every target runs with Node 24: `make setup` puts it
# in the cache when the machine's Node is older, and the PATH below prefers it.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.SHELLFLAGS := -eu -o pipefail -c

CACHE_DIR ?= $(or $(SLUICE_CACHE_DIR),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/sluice)
NODE_VERSION := $(shell sed -n 's/.*"node": "\([0-9.]*\)".*/\1/p' tools/node/package.json)
export PATH := $(CACHE_DIR)/node-$(NODE_VERSION)/node_modules/.bin:$(CURDIR)/node_modules/.bin:$(PATH)

# At most two control planes at once on 2 cores (see test/harness/stale.ts).
TEST_CONCURRENCY ?= 2
UNIT_TESTS := 'src/**/*.test.ts' 'tools/**/*.test.ts'
INTEGRATION_TESTS := 'test/**/*.test.ts'

.PHONY: help setup build crds lint typecheck test test-unit test-integration bench cluster-up cluster-down clean clean-cache node-check

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: ## Install Node 24 (if older), npm packages, and build the test binaries (cached in ~/.cache/sluice)
	@bash tools/setup.sh

node-check:
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 24 ? 0 : 1)' || \
	  { echo "Node 24 is needed (found $$(node --version)): run make setup" >&2; exit 1; }
	@test -d node_modules || { echo "npm packages missing: run make setup" >&2; exit 1; }

build: node-check ## Emit dist/ for the published bins (sluice, kubectl-sluice)
	rm -rf dist
	tsc -p tsconfig.build.json

crds: node-check ## Regenerate crds/*.sluice.dev.yaml from src/api (a unit test fails when they are stale)
	node tools/gen-crds.ts

lint: node-check ## ESLint with type information
	eslint --max-warnings=0 .

typecheck: node-check ## Type-check everything (tsc --noEmit)
	tsc --noEmit -p tsconfig.json

test: node-check ## Lint, types, unit and integration tests; prints the duration
	@start=$$SECONDS; rc=0; \
	$(MAKE) --no-print-directory lint typecheck || rc=$$?; \
	if [ $$rc -eq 0 ]; then node --test --test-concurrency=$(TEST_CONCURRENCY) $(UNIT_TESTS) $(INTEGRATION_TESTS) || rc=$$?; fi; \
	echo "make test: $$((SECONDS - start)) s (exit $$rc)"; exit $$rc

test-unit: node-check ## Unit tests only (pure code, no cluster)
	node --test $(UNIT_TESTS)

test-integration: node-check ## Integration tests against the real control plane, Prometheus and git
	node --test --test-concurrency=$(TEST_CONCURRENCY) $(INTEGRATION_TESTS)

bench: node-check build ## Benchmarks (not part of make test): control-plane start, rollouts at scale, GitOps sync vs kubectl
	node test/bench/cluster-start.ts
	SLUICE_CONTROLLER_ENTRY=$(CURDIR)/dist/cli/sluice.js node test/bench/rollouts.ts
	node test/bench/gitops.ts

cluster-up: node-check ## Start a local control plane in the background; prints its kubeconfig
	@node test/harness/cluster-cli.ts up

cluster-down: node-check ## Stop the cluster cluster-up started
	@node test/harness/cluster-cli.ts down

.PHONY: demo demo-down
demo: node-check ## The demo: start (or reuse) a local Sluice, then a good release promoted and a bad one rolled back
	@node demo/story.ts up
	@node demo/story.ts play

demo-down: node-check ## Stop everything make demo started
	@node demo/story.ts down

clean: ## Remove build output and the clone's .sluice/ state (keeps the binary cache)
	-@[ -f .sluice/cluster.json ] && node test/harness/cluster-cli.ts down || true
	rm -rf dist .sluice

clean-cache: ## Remove the binary and Node cache (the next make setup rebuilds: ~12 min)
	rm -rf $(CACHE_DIR)
