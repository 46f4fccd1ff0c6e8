package dr

import (
	"encoding/json"
	"math"
	"math/rand"
	"testing"
	"time"
)

// Reports as Lifeboat wrote them before the durations moved into Go types
// (marshalled by the float-second structs of the engine): the chain hashes
// these bytes, so reading and writing them again must not change one.
var storedDrills = []string{
	`{"id":"20260301T100000Z-abc123","site":"dr","from":"primary","passed":true,"started":"2026-03-01T10:00:00Z","finished":"2026-03-01T10:01:20Z","operator":"alice@host (ssh from 10.0.0.9)","rto_seconds":73.2,"rto_objective_seconds":1800,"sets":[{"name":"models","snapshot":"abcd","snapshot_time":"2026-03-01T09:46:28Z","tree":"tree1","rpo_seconds":812,"rpo_objective_seconds":3600,"files":120,"bytes":52428800,"listed_files":120,"listed_bytes":52428800,"verified_files":120,"verified":true}],"steps":[{"name":"preflight","status":"ok","started":"2026-03-01T10:00:00Z","seconds":0.3,"detail":"a \u003cb\u003e \u0026 c"},{"name":"restore models","status":"ok","started":"2026-03-01T10:00:00Z","seconds":41.7,"detail":""}],"findings":["RPO \u003cbreached\u003e \u0026 more"],"restic_version":"0.18.0","check_subset":"1/12","config_hash":"cafe","scratch":"/tmp/x","kept":false,"prev_sha256":"beef","evaluated":true}`,
	`{"id":"x","site":"dr","from":"","passed":false,"started":"0001-01-01T00:00:00Z","finished":"0001-01-01T00:00:00Z","operator":"","rto_seconds":0,"rto_objective_seconds":0.5,"sets":[],"steps":[],"findings":[],"restic_version":"","check_subset":"","config_hash":"","scratch":"","kept":false,"prev_sha256":"","evaluated":false,"not_evaluated":"site dr: unreachable"}`,
}

var storedFailovers = []string{
	`{"id":"f1","kind":"failover","from":"primary","to":"dr","mode":"planned","outcome":"committed","passed":true,"declared":"2026-03-01T10:00:00Z","switched":"2026-03-01T10:01:13Z","finished":"2026-03-01T10:01:14Z","operator":"bob","rto_seconds":37.9,"human_wait_seconds":35.1,"rto_objective_seconds":1800,"attempts":2,"sets":[{"name":"models","snapshot":"s","snapshot_time":"2026-03-01T08:00:00Z","tree":"t","rpo_seconds":7200,"rpo_objective_seconds":86400,"target":"/srv/x/models","files":3,"bytes":4,"listed_files":3,"listed_bytes":4,"verified_files":3,"verified":true}],"steps":[{"name":"confirm","status":"ok","started":"2026-03-01T10:00:00Z","seconds":35.2,"detail":"confirmed","human_wait_seconds":35.1},{"name":"commit","status":"pending","started":"0001-01-01T00:00:00Z","seconds":0,"detail":""}],"findings":[],"restic_version":"0.18.0","config_hash":"cafe","target":"/srv/x","prev_sha256":"p"}`,
	`{"id":"f2","kind":"failover","from":"","to":"","mode":"","outcome":"aborted","passed":false,"declared":"0001-01-01T00:00:00Z","switched":null,"finished":"0001-01-01T00:00:00Z","operator":"","rto_seconds":0,"human_wait_seconds":0,"rto_objective_seconds":0,"attempts":0,"sets":[],"steps":[],"findings":["aborted: x"],"restic_version":"","config_hash":"","target":"","prev_sha256":""}`,
}

func TestStoredReportsRoundTripByteForByte(t *testing.T) {
	for _, s := range storedDrills {
		var r DrillReport
		if err := json.Unmarshal([]byte(s), &r); err != nil {
			t.Fatal(err)
		}
		if b, err := json.Marshal(r); err != nil || string(b) != s {
			t.Errorf("drill report changed in a round trip (%v):\n got %s\nwant %s", err, b, s)
		}
	}
	for _, s := range storedFailovers {
		var r FailoverReport
		if err := json.Unmarshal([]byte(s), &r); err != nil {
			t.Fatal(err)
		}
		if b, err := json.Marshal(&r); err != nil || string(b) != s {
			t.Errorf("failover report changed in a round trip (%v):\n got %s\nwant %s", err, b, s)
		}
	}
}

// A report built from durations writes the float seconds the old structs
// held.
func TestDrillReportFromDurations(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	r := DrillReport{ID: "20260301T100000Z-abc123", Site: "dr", From: "primary", Passed: true, Started: t0, Finished: t0.Add(80 * time.Second),
		Operator: "alice@host (ssh from 10.0.0.9)", RTO: Tenth(73*time.Second + 180*time.Millisecond), RTOObjective: 30 * time.Minute,
		Sets: []DrillSet{{Name: "models", Snapshot: "abcd", SnapshotTime: "2026-03-01T09:46:28Z", Tree: "tree1", DataLoss: 812 * time.Second,
			RPOObjective: time.Hour, Files: 120, Bytes: 52428800, ListedFiles: 120, ListedBytes: 52428800, VerifiedFiles: 120, Verified: true}},
		Steps: []DrillStep{
			TimelineStep(RunbookStep{Name: "preflight", Status: StepDone, Started: t0, Finished: t0.Add(250 * time.Millisecond), Detail: "a <b> & c"}),
			TimelineStep(RunbookStep{Name: "restore models", Status: StepDone, Started: t0, Finished: t0.Add(41667 * time.Millisecond)})},
		Findings: []string{"RPO <breached> & more"}, ResticVersion: "0.18.0", CheckSubset: "1/12", ConfigHash: "cafe", Scratch: "/tmp/x",
		PrevSHA256: "beef", Evaluated: true}
	if b, _ := json.Marshal(&r); string(b) != storedDrills[0] {
		t.Errorf("got  %s\nwant %s", b, storedDrills[0])
	}
}

// Tenth and the JSON's tenths state a measured time exactly as the float
// rounding of the old reports did (math.Round(seconds*10)/10).
func TestTenthsAsTheOldRounding(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		d := time.Duration(rng.Int63n(int64(48 * time.Hour)))
		if i%4 == 0 {
			d = d.Truncate(50 * time.Millisecond) // the halfway cases
		}
		old := math.Round(d.Seconds()*10) / 10
		if got := tenths(Tenth(d)); got != old {
			t.Fatalf("%v: tenths %v, the old rounding %v", d, got, old)
		}
	}
}
