package upstream

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	t.Setenv("UP_TOKEN", "s3cret")
	u, err := Parse("fhir=https://packages.fhir.org/;names=hl7.*,fhir.*;timeout=10s;token-env=UP_TOKEN")
	if err != nil || u.Name != "fhir" || u.URL != "https://packages.fhir.org/" || u.Timeout != 10*time.Second || u.Token != "s3cret" ||
		!u.Serves("hl7.fhir.r4.core") || !u.Serves("fhir.dicom") || u.Serves("ccg.example") {
		t.Fatalf("%+v %v", u, err)
	}
	if u.TTL != DefaultTTL {
		t.Errorf("default ttl %s", u.TTL)
	}
	if u, err := Parse("b=http://a;ttl=30s"); err != nil || u.TTL != 30*time.Second {
		t.Errorf("ttl=30s: %+v %v", u, err)
	}
	for _, bad := range []string{"x=http://a;ttl=-1s", "x=http://a;ttl=later", "nourl", "x=ftp://a", "x=http://a;timeout=soon", "x=http://a;names=[", "x=http://a;colour=red", "x=http://a;token-env=UNSET_VAR_XYZ"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
