// Package storage is Lifeboat's embedded state store: the operator journal,
// the snapshot catalog cache, the active-site record, operation and check
// results, the restic command log and site health samples.
//
// Everything lives in one SQLite file (lifeboat.db) opened through the
// pure-Go driver modernc.org/sqlite, so the binary needs no cgo. Several
// lifeboat processes may share the file: WAL mode, a busy timeout and
// BEGIN IMMEDIATE transactions make concurrent writers queue instead of
// failing or corrupting it.
//
// All times are stored as UTC unix nanoseconds (0 meaning "unset") and are
// returned in UTC.
package storage
