package restic

import (
	"errors"
	"testing"
)

// A restic stopped by a signal from outside lifeboat (a shutdown, the OOM
// killer, someone's kill) while it derived its key says "wrong password";
// that must not send the operator to check a password that is right.
func TestSignalledResticIsNotAWrongPassword(t *testing.T) {
	repo := Repo{Site: "dr", PasswordFile: "/etc/lifeboat/dr.pass"}
	msg := "signal terminated received, cleaning up; Fatal: wrong password or no key found"
	hint, _, kind := classify(12, msg, repo)
	if !errors.Is(kind, ErrSignalled) {
		t.Fatalf("restic stopped by a signal is %v (%s)", kind, hint)
	}
	if _, _, kind := classify(12, "Fatal: wrong password or no key found", repo); !errors.Is(kind, ErrWrongPassword) {
		t.Fatalf("a wrong password is %v", kind)
	}
}
