// Package bench measures Lifeboat against raw restic on the same data
// (issue #6). The suite is BenchmarkLifeboatVsRestic in bench_test.go, run
// by `make bench`; it builds its fixtures once (fixtures.go) under
// .cache/bench/<version> in the repository root and reuses them. See
// docs/performance.md for the measures, the targets and the figures.
package bench
