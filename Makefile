# kiebot — the two commands a newcomer needs are `make run` and `make test`.

GO          ?= go
BIN         := $(CURDIR)/bin
STATICCHECK := $(BIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
VERSION     ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -X main.version=$(VERSION)

.PHONY: run test build vet lint staticcheck bench fmt

## run: start the service (embedded PostgreSQL under ./var unless DATABASE_URL is set).
run:
	$(GO) run -ldflags '$(LDFLAGS)' ./cmd/kiebot serve

## build: build bin/kiebot.
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/kiebot ./cmd/kiebot

## test: formatting, vet, staticcheck, then every test under the race detector against PostgreSQL.
test: fmt-check vet staticcheck
	$(GO) test -race -count=1 -timeout 20m ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

$(STATICCHECK):
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

## bench: the benchmarks whose figures are recorded in docs/BENCHMARKS.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
