package config

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// twoS3 is two S3 sites; the cases add lines under each.
func twoS3(primary, dr string) string {
	return "sites:\n  - name: primary\n    repository: s3:https://s3.eu-west-1.amazonaws.com/prod/lifeboat\n    password_file: /p\n    role: active\n" + primary +
		"  - name: dr\n    repository: s3:https://s3.eu-central-1.example.net/dr/lifeboat\n    password_file: /p\n" + dr +
		"sets:\n  - name: s\n    paths: [/data]\n"
}

const keys = "    env:\n      AWS_ACCESS_KEY_ID: ${KEY}\n      AWS_SECRET_ACCESS_KEY: ${SECRET}\n"

func TestSiteOptionsAndSharedCredentials(t *testing.T) {
	errCases := []struct {
		name, yaml, pos, key, msg string
	}{
		{"unknown option", twoS3("    options: {s3.conections: 4}\n", ""), "6:15", "sites[0].options.s3.conections", "unknown option \"s3.conections\"; a site's options may set s3.bucket-lookup, s3.connections, s3.region, s3.storage-class"},
		{"bad connections", twoS3("    options: {s3.connections: lots}\n", ""), "6:31", "sites[0].options.s3.connections", "s3.connections must be a whole number from 1 to 128 (e.g. 4)"},
		{"bad bucket lookup", twoS3("    options:\n      s3.bucket-lookup: virtual\n", ""), "7:25", "sites[0].options.s3.bucket-lookup", "auto, dns or path"},
		{"s3 option on a local site", strings.Replace(twoS3("", "    options: {s3.region: x}\n"), "s3:https://s3.eu-central-1.example.net/dr/lifeboat", "/srv/dr", 1), "9:15", "sites[1].options.s3.region", "site \"dr\" is a local repository"},
		{"different keys", twoS3(keys, strings.Replace(keys, "${KEY}", "${DR_KEY}", 1)), "13:7", "sites[1].env.AWS_ACCESS_KEY_ID", "sites \"primary\" and \"dr\" are both s3 repositories and their env differs at AWS_ACCESS_KEY_ID"},
		{"keys on one site only", twoS3(keys, ""), "9:5", "sites[1]", "give both sites the same AWS_ACCESS_KEY_ID"},
		{"regions differ", twoS3("    options: {s3.region: eu-west-1}\n", "    options: {s3.region: eu-central-1}\n"), "10:15", "sites[1].options.s3.region", "must agree on options s3.region"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "lifeboat.yaml")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error\n%s", err, tc.yaml)
			}
			if got := strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Column); got != tc.pos || e.Key != tc.key || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got %s %s %q\nwant %s %s %q\n%s", got, e.Key, err, tc.pos, tc.key, tc.msg, tc.yaml)
			}
		})
	}
	// The same keys on both, per-site connections and storage class: valid.
	opts := "    options: {s3.connections: 2, s3.storage-class: STANDARD_IA, s3.bucket-lookup: path}\n"
	cfg, err := Parse([]byte(twoS3(keys+"    options: {s3.bucket-lookup: path}\n", keys+opts)), "lifeboat.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"s3.connections": "2", "s3.storage-class": "STANDARD_IA", "s3.bucket-lookup": "path"}
	if !reflect.DeepEqual(cfg.Sites[1].Options, want) {
		t.Fatalf("options %v", cfg.Sites[1].Options)
	}
}
