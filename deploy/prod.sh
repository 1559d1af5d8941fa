#!/usr/bin/env bash
# deploy/prod.sh — what `make prod` runs (docs/production.md): the production topology on this
# machine, each part its own process as on real hosts. A Temporal server v1.29.1 on PostgreSQL
# (deploy/temporal/production.yaml, frontend 127.0.0.1:7243), `rectify migrate`, two
# `rectify worker` processes (/metrics on 127.0.0.1:9091 and :9092), one `rectify serve`
# (127.0.0.1:8081), a mail sink (127.0.0.1:1026) and the demo county. Ctrl-C stops them all.
# Every address and database differs from `make run`'s, so both can run at once.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/bin
VAR=$ROOT/var/prod
mkdir -p "$VAR"

FRONTEND=127.0.0.1:7243
PGURL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
# The local superuser creates the roles and databases (trust auth on 127.0.0.1).
export ADMIN_DATABASE_URL=${ADMIN_DATABASE_URL:-$PGURL}
# The app connects as rectify_app (README, Database roles), to its own database.
export DATABASE_URL=${PROD_DATABASE_URL:-postgres://rectify_app@127.0.0.1:5432/rectify_prod?sslmode=disable}
export TEMPORAL_ADDRESS=$FRONTEND
export TEMPORAL_NAMESPACE=default
export RECTIFY_LISTEN=127.0.0.1:8081
export RECTIFY_PUBLIC_URL=http://127.0.0.1:8081
export RECTIFY_EVIDENCE_DIR=$VAR/evidence
export SMTP_HOST=127.0.0.1
export SMTP_PORT=1026
export SMTP_TLS=none

log() { printf '%s prod: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Started processes, in order; stopped in reverse order (API and workers before the server).
pids=()
names=()
stopping=
stop_all() {
	[ -n "$stopping" ] && return
	stopping=1
	local i pid
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		pid=${pids[i]}
		kill -0 "$pid" 2>/dev/null || continue
		log "stopping ${names[i]} (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || true
		# Up to 30 s each: a worker finishes its running tasks, the server hands its shards back.
		for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
		if kill -0 "$pid" 2>/dev/null; then
			log "${names[i]} did not stop in 30 s; killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
	done
	log "all stopped"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# start NAME CMD...: runs CMD in the background with its output in var/prod/NAME.log.
start() {
	local name=$1
	shift
	"$@" >>"$VAR/$name.log" 2>&1 &
	pids+=($!)
	names+=("$name")
	log "started $name (pid $!, log var/prod/$name.log)"
}

# wait_for WHAT SECONDS CMD...: retries CMD every half second.
wait_for() {
	local what=$1 secs=$2
	shift 2
	for _ in $(seq 1 $((secs * 2))); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.5
	done
	log "$what did not come up in $secs s"
	return 1
}

psql_admin() { psql "$ADMIN_DATABASE_URL" -v ON_ERROR_STOP=1 -Atqc "$1"; }

# 1. Temporal's role and databases. The role owns both databases and nothing else; it needs
# CREATEDB for temporal-sql-tool create-database, and the visibility schema's btree_gin is a
# trusted extension (PostgreSQL 13+), so it needs no superuser.
if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = 'temporal'")" != 1 ]; then
	psql_admin "CREATE ROLE temporal LOGIN CREATEDB"
fi
sqltool() { "$BIN/temporal-sql-tool" --plugin postgres12 --ep 127.0.0.1 -p 5432 -u temporal "$@"; }
for db in temporal temporal_visibility; do
	schema=postgresql/v12/temporal
	[ "$db" = temporal_visibility ] && schema=postgresql/v12/visibility
	if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
		log "creating database $db"
		{ sqltool --db "$db" create-database && sqltool --db "$db" setup-schema -v 0.0; } >>"$VAR/sql-tool.log" 2>&1 ||
			{ log "creating $db failed; see var/prod/sql-tool.log"; exit 1; }
	fi
	# The schema files are embedded in the tool of the same version as the server; an update
	# to the latest version is a no-op when it is there already.
	sqltool --db "$db" update-schema --schema-name "$schema" >>"$VAR/sql-tool.log" 2>&1 ||
		{ log "schema update of $db failed; see var/prod/sql-tool.log"; exit 1; }
done

# 2. The Temporal server.
t0=$(date +%s)
start temporal-server "$BIN/temporal-server" --root "$ROOT" --config deploy/temporal --env production --allow-no-auth start
wait_for "Temporal server at $FRONTEND" 180 "$BIN/temporal" operator cluster health --address "$FRONTEND"
log "Temporal server answers after $(($(date +%s) - t0)) s"
# The server's configuration cannot register namespaces: the CLI does, once. 30 days is how long
# a closed workflow's history is kept for inspection.
if ! "$BIN/temporal" operator namespace describe --address "$FRONTEND" -n default >/dev/null 2>&1; then
	"$BIN/temporal" operator namespace create --address "$FRONTEND" -n default --retention 720h
fi
# The frontend learns of a new namespace from its cache, refreshed every few seconds.
wait_for "namespace default" 60 "$BIN/temporal" workflow count --address "$FRONTEND" -n default

# 3. Rectify's roles, database and migration, then its processes.
"$BIN/rectify" bootstrap
"$BIN/rectify" migrate
start mailsink "$BIN/rectify" mailsink "$VAR/mail"
RECTIFY_WORKER_OPS_LISTEN=127.0.0.1:9091 start worker-1 "$BIN/rectify" worker
RECTIFY_WORKER_OPS_LISTEN=127.0.0.1:9092 start worker-2 "$BIN/rectify" worker
start serve "$BIN/rectify" serve
wait_for "worker-1" 60 curl -fs http://127.0.0.1:9091/readyz
wait_for "worker-2" 60 curl -fs http://127.0.0.1:9092/readyz
wait_for "rectify serve" 60 curl -fs "http://$RECTIFY_LISTEN/readyz"
# The demo acts through the workflows, so it needs the workers up; it loads once.
"$BIN/rectify" demo >>"$VAR/demo.log" 2>&1 || { log "demo failed; see var/prod/demo.log"; exit 1; }
log "up after $(($(date +%s) - t0)) s"

cat <<EOF

Rectify 整改督办, production topology, is running.
  API           http://$RECTIFY_LISTEN   (sign in as zhangwei / rectify-demo)
  Temporal      $FRONTEND (namespace default), server metrics http://127.0.0.1:9094/metrics
  Workers       http://127.0.0.1:9091/metrics  http://127.0.0.1:9092/metrics
  PostgreSQL    temporal, temporal_visibility, rectify_prod on 127.0.0.1:5432
  Mail (SMTP)   127.0.0.1:1026   reminders land in var/prod/mail
  Logs          var/prod/*.log
Press Ctrl-C to stop.
EOF

# Until Ctrl-C, or until one of them ends by itself: then stop the rest and say which.
set +e
wait -n "${pids[@]}"
rc=$?
for i in "${!pids[@]}"; do
	if ! kill -0 "${pids[i]}" 2>/dev/null; then log "${names[i]} ended (exit $rc); see var/prod/${names[i]}.log"; fi
done
exit 1
