// Package sign holds the signatures of the Guideline Repository:
//   - CCG_Signature Provenance resources carrying a detached JWS (ES256)
//     over the canonical JSON of the signed resource;
//   - a package-level signature file (package/.ccg-signature.jws) whose JWS
//     payload lists the digest of every file of the package;
//   - the registry's own ECDSA P-256 signatures of every stored version, in
//     the form npm clients verify (`${name}@${version}:${integrity}`).
package sign

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Errors callers map to 417 Expectation Failed.
var (
	ErrMismatch  = errors.New("signature does not match the signed content")
	ErrUntrusted = errors.New("signer is not trusted")
)

// Key is an ECDSA P-256 key pair (Public always set; Private may be nil).
type Key struct {
	Private *ecdsa.PrivateKey
	Public  *ecdsa.PublicKey
}

// KeyID names a public key the way npm does: "SHA256:" and the unpadded
// base64 of the SHA-256 of its SubjectPublicKeyInfo DER.
func KeyID(pub *ecdsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	s := sha256.Sum256(der)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(s[:])
}

// ID returns the key's KeyID.
func (k *Key) ID() string { return KeyID(k.Public) }

// GenerateKey makes a new P-256 key.
func GenerateKey() (*Key, error) {
	p, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Key{Private: p, Public: &p.PublicKey}, nil
}

// PrivatePEM encodes the private key as PKCS#8 PEM.
func (k *Key) PrivatePEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.Private)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// PublicPEM encodes the public key as SPKI PEM.
func (k *Key) PublicPEM() ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(k.Public)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePEM reads the first private or public P-256 key in data.
func ParsePEM(data []byte) (*Key, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, errors.New("no PEM key found")
		}
		switch b.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, err
			}
			ek, ok := k.(*ecdsa.PrivateKey)
			if !ok || ek.Curve != elliptic.P256() {
				return nil, errors.New("key is not ECDSA P-256")
			}
			return &Key{Private: ek, Public: &ek.PublicKey}, nil
		case "EC PRIVATE KEY":
			ek, err := x509.ParseECPrivateKey(b.Bytes)
			if err != nil {
				return nil, err
			}
			if ek.Curve != elliptic.P256() {
				return nil, errors.New("key is not ECDSA P-256")
			}
			return &Key{Private: ek, Public: &ek.PublicKey}, nil
		case "PUBLIC KEY":
			k, err := x509.ParsePKIXPublicKey(b.Bytes)
			if err != nil {
				return nil, err
			}
			ek, ok := k.(*ecdsa.PublicKey)
			if !ok || ek.Curve != elliptic.P256() {
				return nil, errors.New("key is not ECDSA P-256")
			}
			return &Key{Public: ek}, nil
		}
	}
}

// LoadKey reads a PEM key file.
func LoadKey(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePEM(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// LoadOrCreateKey reads the private key at path, creating it (0600) when
// the file does not exist.
func LoadOrCreateKey(path string) (*Key, error) {
	k, err := LoadKey(path)
	if err == nil {
		if k.Private == nil {
			return nil, fmt.Errorf("%s holds no private key", path)
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if k, err = GenerateKey(); err != nil {
		return nil, err
	}
	pemb, err := k.PrivatePEM()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pemb, 0o600); err != nil {
		return nil, err
	}
	return k, nil
}

// Keyring is a set of trusted public keys by KeyID.
type Keyring map[string]*ecdsa.PublicKey

// LoadKeyring reads every *.pem and *.pub file of dir (public or private keys).
func LoadKeyring(dir string) (Keyring, error) {
	kr := Keyring{}
	if dir == "" {
		return kr, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		if e.IsDir() || !isKeyFile(e.Name()) {
			continue
		}
		k, err := LoadKey(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		kr.Add(k.Public)
	}
	return kr, nil
}

// Add trusts pub.
func (kr Keyring) Add(pub *ecdsa.PublicKey) { kr[KeyID(pub)] = pub }

// Canonical renders JSON with object keys sorted, no insignificant
// whitespace and numbers kept as written, so that signer and verifier
// hash the same bytes for the same resource.
func Canonical(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := canon(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// CanonicalBytes parses JSON text and renders it canonically.
func CanonicalBytes(data []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return Canonical(v)
}

func canon(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			if err := canon(buf, x[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := canon(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case string:
		writeString(buf, x)
	case json.Number:
		buf.WriteString(x.String())
	case float64:
		b, _ := json.Marshal(x)
		buf.Write(b)
	case bool:
		if x {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case nil:
		buf.WriteString("null")
	default:
		return fmt.Errorf("canonical JSON: unsupported %T", v)
	}
	return nil
}

func writeString(buf *bytes.Buffer, s string) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	buf.Write(bytes.TrimRight(b.Bytes(), "\n"))
}

type jwsHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	B64 *bool  `json:"b64,omitempty"`
}

var b64 = base64.RawURLEncoding

func signES256(k *Key, input []byte) ([]byte, error) {
	if k == nil || k.Private == nil {
		return nil, errors.New("signing needs a private key")
	}
	h := sha256.Sum256(input)
	r, s, err := ecdsa.Sign(rand.Reader, k.Private, h[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out, nil
}

// SignJWS returns a compact JWS (ES256) over payload. With detached set
// the payload part is left empty (RFC 7515 Appendix F) and the verifier
// supplies it.
func SignJWS(k *Key, payload []byte, detached bool) (string, error) {
	hb, _ := json.Marshal(jwsHeader{Alg: "ES256", Kid: k.ID()})
	pb := b64.EncodeToString(payload)
	input := b64.EncodeToString(hb) + "." + pb
	sig, err := signES256(k, []byte(input))
	if err != nil {
		return "", err
	}
	if detached {
		pb = ""
	}
	return b64.EncodeToString(hb) + "." + pb + "." + b64.EncodeToString(sig), nil
}

// VerifyJWS checks a compact JWS against the keyring. For a detached JWS
// pass the payload; otherwise pass nil and the embedded payload is
// returned. Unknown keys give ErrUntrusted, bad signatures ErrMismatch.
func VerifyJWS(kr Keyring, jws string, detachedPayload []byte) (payload []byte, kid string, err error) {
	parts := strings.Split(strings.TrimSpace(jws), ".")
	if len(parts) != 3 {
		return nil, "", fmt.Errorf("%w: not a compact JWS", ErrMismatch)
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, "", fmt.Errorf("%w: bad JWS header", ErrMismatch)
	}
	var h jwsHeader
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, "", fmt.Errorf("%w: bad JWS header", ErrMismatch)
	}
	if h.Alg != "ES256" {
		return nil, h.Kid, fmt.Errorf("%w: algorithm %q (want ES256)", ErrMismatch, h.Alg)
	}
	pub, ok := kr[h.Kid]
	if !ok {
		return nil, h.Kid, &UntrustedKeyError{KeyID: h.Kid}
	}
	pb := parts[1]
	if detachedPayload != nil {
		if pb != "" {
			return nil, h.Kid, fmt.Errorf("%w: expected a detached JWS", ErrMismatch)
		}
		pb = b64.EncodeToString(detachedPayload)
		payload = detachedPayload
	} else if payload, err = b64.DecodeString(pb); err != nil {
		return nil, h.Kid, fmt.Errorf("%w: bad JWS payload", ErrMismatch)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, h.Kid, fmt.Errorf("%w: bad ES256 signature", ErrMismatch)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + pb))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		return nil, h.Kid, ErrMismatch
	}
	return payload, h.Kid, nil
}

// RegistrySignature is one entry of npm's dist.signatures.
type RegistrySignature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"`
}

// RegistryMessage is what npm registries sign for a version.
func RegistryMessage(name, version, integrity string) string {
	return name + "@" + version + ":" + integrity
}

// SignVersion signs name@version:integrity (ECDSA P-256, SHA-256, DER,
// base64) the way npm's `audit signatures` verifies it.
func (k *Key) SignVersion(name, version, integrity string) (RegistrySignature, error) {
	if k.Private == nil {
		return RegistrySignature{}, errors.New("signing needs a private key")
	}
	h := sha256.Sum256([]byte(RegistryMessage(name, version, integrity)))
	der, err := ecdsa.SignASN1(rand.Reader, k.Private, h[:])
	if err != nil {
		return RegistrySignature{}, err
	}
	return RegistrySignature{KeyID: k.ID(), Sig: base64.StdEncoding.EncodeToString(der)}, nil
}

// VerifyVersion checks a registry signature of name@version:integrity.
func VerifyVersion(pub *ecdsa.PublicKey, name, version, integrity, sig string) bool {
	der, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	h := sha256.Sum256([]byte(RegistryMessage(name, version, integrity)))
	return ecdsa.VerifyASN1(pub, h[:], der)
}

// NPMKey is one key of GET /-/npm/v1/keys.
type NPMKey struct {
	Expires *string `json:"expires"`
	KeyID   string  `json:"keyid"`
	KeyType string  `json:"keytype"`
	Scheme  string  `json:"scheme"`
	Key     string  `json:"key"`
}

// NPMKey describes the public key in npm's keys-endpoint shape.
func (k *Key) NPMKey() NPMKey {
	der, _ := x509.MarshalPKIXPublicKey(k.Public)
	return NPMKey{KeyID: k.ID(), KeyType: "ecdsa-sha2-nistp256", Scheme: "ecdsa-sha2-nistp256", Key: base64.StdEncoding.EncodeToString(der)}
}
