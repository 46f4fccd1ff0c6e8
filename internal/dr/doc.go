// Package dr owns Lifeboat's recovery vocabulary: the states of a runbook
// step and of a failover, how an operation ended, the monitoring level,
// the drill and failover reports with their verdicts, and RPO/RTO as
// time.Duration. Storage keeps these as plain strings and numbers; the
// engine maps rows to and from them; the JSON contract is marshalled from
// them at the edge, with the field names and units it always had.
//
// It imports only the standard library, so every layer may use it.
package dr
