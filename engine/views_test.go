package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lifeboat-dr/lifeboat/engine/config"
)

// The console's view of the configuration holds no secret: the repository
// is redacted and password sources and env are not carried at all.
func TestConfigViewHoldsNoSecret(t *testing.T) {
	cfg, err := config.Parse([]byte(`objectives: {rpo: 12h, rto: 30m}
sites:
  - {name: primary, repository: /srv/restic/primary, password_file: /etc/lb/p.pass, role: active}
  - {name: dr, repository: "rest:https://lifeboat:s3cret@dr:8000/lb", password_command: "pass show lb-token", role: standby,
     env: {AWS_SECRET_ACCESS_KEY: hunter2}, probes: [{http: "https://api.dr.example/healthz"}]}
sets:
  - {name: models, paths: [/data/models], host: trainer-01, retention: {keep_daily: 7, keep_last: 3, keep_within: 2d}}
  - {name: serving, paths: [/data/serving]}
`), "/etc/lifeboat/lifeboat.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v := NewConfigView(cfg)
	dump := fmt.Sprintf("%+v %+v", v, *v.Sets[0].Retention)
	for _, secret := range []string{"s3cret", "hunter2", "lb-token", "p.pass"} {
		if strings.Contains(dump, secret) {
			t.Errorf("the view holds %q: %s", secret, dump)
		}
	}
	dr, ok := v.Site("dr")
	if !ok || !strings.Contains(dr.Repository, "dr:8000/lb") || dr.Role != "standby" || dr.Probes != 1 {
		t.Errorf("dr = %+v, %v", dr, ok)
	}
	if a := v.ConfigActive(); a == nil || a.Name != "primary" {
		t.Errorf("active = %+v", a)
	}
	if s := v.Standbys("primary"); len(s) != 1 || s[0].Name != "dr" || len(v.Sites) != 2 {
		t.Errorf("standbys = %+v (sites %d)", s, len(v.Sites))
	}
	if got := strings.Join(v.SiteNames(), ",") + ";" + strings.Join(v.SetNames(), ","); got != "primary,dr;models,serving" {
		t.Errorf("names = %s", got)
	}
	models, _ := v.Set("models")
	r := models.Retention
	if r == nil || fmt.Sprint(r.Keep) != "[{last 3} {daily 7}]" || r.KeepWithin != 48*time.Hour {
		t.Errorf("retention = %+v", r)
	}
	if serving, _ := v.Set("serving"); serving.Retention != nil {
		t.Errorf("serving has no policy, got %+v", serving.Retention)
	}
	if _, ok := v.Set("nope"); ok {
		t.Error("an unknown set was found")
	}
	// A set's snapshots are those tagged with it, from its host.
	cat := Catalog{"primary": {{ID: "a", Host: "trainer-01", Tags: []string{"models"}},
		{ID: "b", Host: "other", Tags: []string{"models"}}, {ID: "c", Host: "trainer-01", Tags: []string{"serving"}}}}
	if got := cat.SnapshotsOf("primary", models); len(got) != 1 || got[0].ID != "a" {
		t.Errorf("snapshots of models = %+v", got)
	}
}
