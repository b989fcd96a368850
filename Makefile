# ccg developer commands. `make run` and `make test` are all you need.

GO ?= go

.PHONY: run test generate check-generated bench fuzz vet fmt build

## run: start the server on http://127.0.0.1:8080 (data in ./.data) with the example packages
run:
	$(GO) run ./cmd/ccg serve --packages 'examples/*/package'

## test: the one test command (CI runs exactly this). Under CI=true it also
## checks the generated parser and starts a throwaway PostgreSQL
## (scripts/test-postgres.sh) so the storage suites run on both back ends;
## set CCG_TEST_POSTGRES to a DSN to run them on your own server.
test:
	@if [ "$$CI" = "true" ]; then ./cql/grammar/check-generated.sh; fi
	@if [ "$$CI" = "true" ] && [ -z "$$CCG_TEST_POSTGRES" ]; then \
		CCG_TEST_POSTGRES="$$(scripts/test-postgres.sh)" || exit 1; export CCG_TEST_POSTGRES; fi; \
	$(GO) test -timeout 20m ./...

## build: build the ccg binary into ./bin
build:
	$(GO) build -o bin/ccg ./cmd/ccg

## generate: regenerate the CQL parser from the grammar, and the FHIR R4
## model table from the ModelInfo of the npm package cql-exec-fhir
## (fetched with npm pack into a temporary directory)
generate:
	./cql/grammar/generate.sh
	$(GO) generate ./cql/fhir

## check-generated: fail when the generated parser does not match the grammar
check-generated:
	./cql/grammar/check-generated.sh

## bench: run every benchmark
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: fuzz the CQL parser for five minutes
fuzz:
	$(GO) test -fuzz=FuzzParse -fuzztime=5m ./cql/parser

## vet: go vet every package
vet:
	$(GO) vet ./...

## fmt: format every Go file (the generated parser is left as generated)
fmt:
	gofmt -w $$(find . -name '*.go' -not -path './cql/parser/gen/*' -not -path './.git/*')
