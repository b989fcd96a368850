# ccg developer commands. `make run` and `make test` are all you need.

GO ?= go

.PHONY: run test test-fhir-tools test-ui bulk-test bulk-bench cql-harness generate check-generated bench fuzz vet fmt build release

# VERSION is what `ccg version` and the CapabilityStatement report.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

## run: build bin/ccg, then start the server on http://127.0.0.1:8080 (data in
## ./.data) with the example packages; it prints a ready line once it listens
run:
	@echo "make run: building bin/ccg (the first build downloads and compiles the dependencies: a few minutes; each package is named as it compiles)..."
	@$(GO) build -v -ldflags '$(LDFLAGS)' -o bin/ccg ./cmd/ccg
	@echo "make run: starting ./bin/ccg serve; wait for its 'ready at' line"
	./bin/ccg serve --auth off --data .data --packages 'examples/*/package'

## test: the one test command (CI runs exactly this). Under CI=true it also
## checks the generated parser and starts a throwaway PostgreSQL
## (scripts/test-postgres.sh) so the storage suites run on both back ends;
## set CCG_TEST_POSTGRES to a DSN to run them on your own server; and it
## runs the official CQL harness (make cql-harness, one to three minutes).
## The PostgreSQL it starts is this checkout's own and is stopped when the
## tests end. Under CI=true it also installs chromium and axe-core
## (scripts/test-ui.sh) for the web workbench's browser smoke test.
## The summary at the end lists the skipped tests and why.
test:
	@if [ "$$CI" = "true" ]; then ./cql/grammar/check-generated.sh; fi
	@if [ "$$CI" = "true" ]; then scripts/test-ui.sh >/dev/null; fi
	@if [ "$$CI" = "true" ] && [ -z "$$CCG_TEST_POSTGRES" ]; then \
		CCG_TEST_POSTGRES="$$(scripts/test-postgres.sh)" || exit 1; export CCG_TEST_POSTGRES; \
		trap 'scripts/test-postgres.sh stop' EXIT; fi; \
	$(GO) run ./internal/testsummary -timeout 20m ./...
	@if [ "$$CI" = "true" ]; then ./scripts/cql-harness.sh; fi

## test-fhir-tools: run only the end-to-end tests of fhir-package-loader and
## SUSHI against the repository (also part of make test); the first run
## installs them with npm ci from registry/e2e/testdata/fhirtools (about a
## minute), later runs reuse that install
test-fhir-tools:
	$(GO) test -count=1 -run 'TestFHIRPackageLoader|TestSUSHI' -v ./registry/e2e

## bulk-test: bulk $apply of the 13-CARD Folder over 10,000 generated
## patients on Beam's direct runner (make test runs the same test with 200)
bulk-test:
	CCG_BULK_PATIENTS=10000 $(GO) test -count=1 -timeout 30m -run TestApplyPipeline ./engine/bulk/pipeline

## bulk-bench: patients per second per core and peak memory of bulk $apply
bulk-bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x -count 5 ./engine/bulk/pipeline

## test-ui: the web workbench's whole browser suite in headless Chromium
## (installs chromium and axe-core first, scripts/test-ui.sh): every page
## without console errors and without serious accessibility violations,
## the playground, $$apply and login flows; screenshots at 1366x768 go
## to build/screenshots/
test-ui:
	@CCG_CHROMIUM="$$(scripts/test-ui.sh)" || exit 1; export CCG_CHROMIUM; \
	CCG_UI_BROWSER=full $(GO) test -count=1 -v -run 'TestBrowser' ./server/ui/
	@echo "make test-ui: screenshots in $(CURDIR)/build/screenshots"

## cql-harness: run the official CQL harness (../shared/tools/cql-tests-runner,
## needs npm) against `ccg serve` through $cql and Library/$evaluate; fails
## below cql/conformance/harness-floor.txt
cql-harness:
	./scripts/cql-harness.sh

## build: build the ccg binary into ./bin (version from git describe)
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/ccg ./cmd/ccg

## release: static binaries for linux and darwin (amd64, arm64) in
## dist/VERSION/, with SHA256SUMS
release:
	scripts/release.sh '$(VERSION)'

## generate: regenerate the CQL parser from the grammar, the UCUM unit
## table (cql/ucum/units_gen.go) from ../shared/conformance/ucum/ucum-essence.xml,
## and the FHIR R4 model table from the ModelInfo of the npm package
## cql-exec-fhir (fetched with npm pack into a temporary directory)
generate:
	./cql/grammar/generate.sh
	$(GO) run ./cql/ucum/internal/gen/ucumgen -i ../shared/conformance/ucum/ucum-essence.xml -o cql/ucum/units_gen.go
	$(GO) generate ./cql/fhir

## check-generated: fail when the generated parser does not match the grammar
check-generated:
	./cql/grammar/check-generated.sh

## bench: run every benchmark
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: run every fuzz target for FUZZTIME each (default 3m)
FUZZTIME ?= 3m
fuzz:
	FUZZTIME='$(FUZZTIME)' scripts/fuzz.sh

## vet: go vet every package
vet:
	$(GO) vet ./...

## fmt: format every Go file (the generated parser is left as generated)
fmt:
	gofmt -w $$(find . -name '*.go' -not -path './cql/parser/gen/*' -not -path './.git/*')
