//go:build tools

// Package tools pins Prometheus for `go build github.com/prometheus/prometheus/cmd/prometheus`.
// `go install prometheus@version` is refused because Prometheus's go.mod has
// exclude directives; a wrapper module that requires it builds fine.
package tools

import _ "github.com/prometheus/prometheus/cmd/prometheus"
