package registry

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ccg-project/ccg/cards/fhirpkg"
	"github.com/ccg-project/ccg/cards/sign"
	"github.com/ccg-project/ccg/cards/testpkg"
	"github.com/ccg-project/ccg/cards/validate"
)

func TestPasswords(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "correct horse") || CheckPassword(h, "wrong") {
		t.Error("password check")
	}
	for _, bad := range []string{"", "x$1$a$b", "pbkdf2-sha256$0$AA$AA", "pbkdf2-sha256$99999999999$AA$AA", "pbkdf2-sha256$10$!!$AA"} {
		if CheckPassword(bad, "") {
			t.Errorf("%q accepted", bad)
		}
	}
	a, ha, _ := NewToken()
	b, _, _ := NewToken()
	if a == b || HashToken(a) != ha || len(a) < 40 {
		t.Error("tokens")
	}
}

func TestCheckTarballStatus(t *testing.T) {
	ctx := context.Background()
	k, _ := sign.GenerateKey()
	kr := sign.Keyring{}
	kr.Add(k.Public)
	good := testpkg.Tarball(testpkg.Options{})
	if c, err := CheckTarball(ctx, good, CheckOptions{TrustedKeys: kr}); err != nil || c.Integrity == "" {
		t.Fatalf("good package: %v", err)
	}
	files, _ := sign.SignPackage(testpkg.Files(testpkg.Options{}), k, "", time.Now())
	signed, _ := fhirpkg.WriteTarball(files)
	if c, err := CheckTarball(ctx, signed, CheckOptions{TrustedKeys: kr}); err != nil || !c.Signed.Package {
		t.Fatalf("signed package: %v", err)
	}
	status := func(tgz []byte, kr sign.Keyring) int {
		_, err := CheckTarball(ctx, tgz, CheckOptions{TrustedKeys: kr})
		var e *Error
		if !errors.As(err, &e) {
			return 0
		}
		return e.Status
	}
	if s := status(signed, sign.Keyring{}); s != 417 {
		t.Errorf("untrusted signer: %d", s)
	}
	if s := status([]byte("junk"), kr); s != 500 {
		t.Errorf("junk: %d", s)
	}
	// A validator's violations make it a 500.
	v := ValidatorFunc(func(ctx context.Context, p *fhirpkg.Package) []validate.Violation {
		return []validate.Violation{{Resource: "x", Message: "no"}}
	})
	_, err := CheckTarball(ctx, good, CheckOptions{Validators: []Validator{v}})
	var e *Error
	if !errors.As(err, &e) || e.Status != 500 || len(e.Violations) != 1 {
		t.Errorf("validator: %v", err)
	}
}
