package dr

import "time"

// Met says whether what was achieved (an RTO, the data an RPO lost) is
// within its objective; no objective is always met. Reports grade RPO and
// RTO with it, so a report and its Markdown cannot disagree.
func Met(achieved, objective time.Duration) bool {
	return objective <= 0 || achieved <= objective
}

// Grade places an age against an RPO on Acronis's scale: compliant (<1x),
// exceeded (<=2x), severe (<=4x), critical (beyond).
func Grade(age, rpo time.Duration) string {
	if rpo <= 0 {
		return "compliant"
	}
	r := float64(age) / float64(rpo)
	switch {
	case r < 1:
		return "compliant"
	case r <= 2:
		return "exceeded"
	case r <= 4:
		return "severe"
	}
	return "critical"
}

// GradeUnknown is the grade of a set at a site that cannot be listed now.
const GradeUnknown = "unknown"

// Tenth rounds a measured duration the way reports state it: to a tenth
// of a second.
func Tenth(d time.Duration) time.Duration { return d.Round(100 * time.Millisecond) }
