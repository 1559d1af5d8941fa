# Rectify (整改督办). `make run` brings up the whole system with a demo county;
# `make test` runs every test against real PostgreSQL and a real Temporal dev server.
SHELL := /bin/bash
TEMPORAL_CLI_VERSION := v1.5.1
# The Temporal server of `make prod` (deploy/temporal): its version fixes its schema.
TEMPORAL_SERVER_VERSION := v1.29.1
GO ?= go
BIN := $(CURDIR)/bin

.PHONY: run prod prod-reset test bench bench-read fuzz soak build postgres db-roles fmt clean reset chromium screenshots

build: bin/rectify

bin/rectify: $(shell find . -name '*.go' -not -path './var/*') $(shell find . -name '*.sql' -o -name '*.json' -path './internal/*') go.mod go.sum
	$(GO) build -o bin/rectify ./cmd/rectify

# The pinned Temporal CLI (dev server with SQLite and the Web UI), built from source.
bin/temporal:
	GOBIN=$(BIN) $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

# The Temporal server and its SQL tool, pinned, from the module proxy. `go install` names them
# after their package directories (server, sql), so each is installed into a scratch GOBIN and
# renamed.
bin/temporal-server:
	d=$$(mktemp -d) && GOBIN=$$d $(GO) install go.temporal.io/server/cmd/server@$(TEMPORAL_SERVER_VERSION) && mv $$d/server $@ && rmdir $$d

bin/temporal-sql-tool:
	d=$$(mktemp -d) && GOBIN=$$d $(GO) install go.temporal.io/server/cmd/tools/sql@$(TEMPORAL_SERVER_VERSION) && mv $$d/sql $@ && rmdir $$d

# Starts the local PostgreSQL cluster when it is not answering.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n1) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "PostgreSQL did not start" >&2; exit 1

# The database roles and the rectify database, as the local superuser (rectify dev does this
# itself; see README, Database roles).
db-roles: bin/rectify postgres
	./bin/rectify bootstrap

run: bin/temporal bin/rectify postgres
	./bin/rectify dev

# The production topology on this machine (docs/production.md): a Temporal server on
# PostgreSQL, two workers and the API, each its own process; Ctrl-C stops them all. It runs
# beside `make run` (other ports, the rectify_prod database).
prod: bin/temporal bin/temporal-server bin/temporal-sql-tool bin/rectify postgres
	./deploy/prod.sh

# Debian's chromium drives the pages' browser tests (internal/pages); the CJK font makes the
# screenshots legible.
chromium:
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium fonts-wqy-microhei)

test: bin/temporal postgres chromium
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 25m ./...

# Walks the pages in the browser again and saves each one as docs/screenshots/<page>.png.
screenshots: bin/temporal postgres chromium
	SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run OnAPhone ./internal/pages/

# Runs every fuzz target for FUZZTIME (e.g. 30s, or 20000x for a count) and prints the
# inputs tried per target; plain `make test` replays the committed corpora.
FUZZTIME ?= 30s
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) .ci/fuzz

bench: bin/temporal bin/rectify postgres
	./bin/rectify bench
	./bin/rectify bench-reminders
	./bin/rectify bench-ledger export
	./bin/rectify bench-ledger import
	./bin/rectify bench-quiet

# The read benchmark (not in CI): a province of 1,000,000 items loaded with COPY, then
# dashboards, lists and the ledger over HTTP against their p95 targets (docs/benchmarks-read.md).
bench-read: bin/temporal bin/rectify postgres
	./bin/rectify bench-read

# The kill soak (not in CI): SIGKILLs of worker, API and dev server under load, then checks
# that nothing was lost or done twice; prints its figures (docs/hardening.md).
soak: bin/temporal bin/rectify postgres
	./bin/rectify soak

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin var

# Removes the dev server's data and drops the rectify database, for a fresh demo.
reset:
	rm -rf var
	psql -h 127.0.0.1 -U postgres -d postgres -c 'DROP DATABASE IF EXISTS rectify WITH (FORCE)'

# Drops make prod's databases (Temporal's two and rectify_prod) and var/prod, for a fresh first
# start: with it the history shard count of deploy/temporal may change.
prod-reset:
	rm -rf var/prod
	for db in temporal temporal_visibility rectify_prod; do psql -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $$db WITH (FORCE)"; done
