#!/bin/sh
# Runs inside the horror_lake image (the RUN step of docker/smoke.Containerfile) and proves it
# with the commands the README gives users: the job on the sample data, the code location
# loading as the webserver loads it, `horror-lake sql` over the lake the job wrote, and the
# default command serving the UI. Prints one "smoke: ok ..." line per check; exits non-zero on
# the first failure, after showing the end of the failing command's output.
set -eu
logs=/tmp/smoke-logs
mkdir -p "$logs"

fail() {
    [ -z "${2:-}" ] || tail -n 40 "$2" | sed 's/^/  | /'
    echo "smoke: FAIL $1"
    exit 1
}

# 0. The image's SQL cache is warm (before anything here could fill it): loading the code
#    location parses no SQL.
python -c "import sys; from horror_lake.definitions import build_definitions as b; b(); \
sys.exit('sqlglot' in sys.modules)" >"$logs/cache.log" 2>&1 \
    || fail "loading the code location parsed SQL: the image's SQL cache is cold" "$logs/cache.log"

# 1. The job, through the entrypoint as `docker run ... dagster job execute` runs it: the
#    landing folder starts empty, so the entrypoint writes the sample data first.
[ -z "$(ls -A "$HORROR_LAKE_LANDING")" ] || fail "landing folder $HORROR_LAKE_LANDING is not empty"
horror-lake-entrypoint dagster job execute -m horror_lake -j horror_lake_job \
    >"$logs/job.log" 2>&1 || fail "the job failed" "$logs/job.log"
grep -q ' - RUN_SUCCESS - ' "$logs/job.log" || fail "the job ended without RUN_SUCCESS" "$logs/job.log"
landing_files=$(ls "$HORROR_LAKE_LANDING" | tr '\n' ' ')
[ -s "$HORROR_LAKE_LANDING/movies.csv" ] || fail "no sample movies.csv in $HORROR_LAKE_LANDING"
refined_tables=$(find "$HORROR_LAKE_ROOT/refined" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
find "$HORROR_LAKE_ROOT/refined/dim_filme" -name '*.parquet' | grep -q . \
    || fail "no refined dim_filme partition under $HORROR_LAKE_ROOT"
echo "smoke: ok job: sample written (${landing_files% }), RUN_SUCCESS, $refined_tables refined tables"

# 2. The code location, loaded from workspace.yaml in the image's working directory as
#    `dagster dev` and the webserver load it.
dagster definitions validate -w workspace.yaml >"$logs/validate.log" 2>&1 \
    || fail "dagster definitions validate -w workspace.yaml" "$logs/validate.log"
echo "smoke: ok definitions validate -w workspace.yaml ($(pwd)), with no SQL parsed (warm cache)"

# 3. SQL over the lake the job wrote (HORROR_LAKE_ROOT is the image's default, /data/lake).
horror-lake sql "select count(*) from dim_filme" >"$logs/sql.log" 2>&1 \
    || fail "horror-lake sql" "$logs/sql.log"
films=$(horror-lake sql --format csv "select count(*) as n from dim_filme" | tail -n 1)
[ "$films" -gt 0 ] 2>/dev/null || fail "dim_filme has no rows (horror-lake sql said: $films)" "$logs/sql.log"
echo "smoke: ok horror-lake sql: $films rows in dim_filme"

# 4. The default command: it must be the UI on port 3000, and it must serve the code location.
python - "$logs/ui.log" <<'PY' || { tail -n 40 "$logs/ui.log" | sed 's/^/  | /'; exit 1; }
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

entrypoint = json.loads(os.environ["IMAGE_ENTRYPOINT"] or "null") or []
cmd = json.loads(os.environ["IMAGE_CMD"] or "null") or []
ports = json.loads(os.environ["IMAGE_PORTS"] or "null") or {}


def fail(message):
    print(f"smoke: FAIL {message}", flush=True)
    sys.exit(1)


def option(name):
    return cmd[cmd.index(name) + 1] if name in cmd[:-1] else None


if cmd[:2] != ["dagster", "dev"] or option("-p") != "3000" or option("-h") != "0.0.0.0":
    fail(f"the default command is not the UI on 0.0.0.0:3000: {entrypoint + cmd}")
if "3000/tcp" not in ports:
    fail(f"port 3000 is not exposed: {sorted(ports)}")

# The same command on a free loopback port: build steps share the machine's network here, and
# another program may hold port 3000.
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
args = list(cmd)
args[args.index("-h") + 1] = "127.0.0.1"
args[args.index("-p") + 1] = str(port)

QUERY = (
    "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
    "locationOrLoadError { __typename ... on PythonError { message } } } } } }"
)


def location_state():
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        entries = json.load(answer)["data"]["workspaceOrError"]["locationEntries"]
    return {e["name"]: (e["loadStatus"], e["locationOrLoadError"]) for e in entries}


with open(sys.argv[1], "w") as log:
    server = subprocess.Popen(
        entrypoint + args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
started = time.monotonic()
state = None
try:
    while time.monotonic() - started < 180:
        if server.poll() is not None:
            fail(f"the default command exited with status {server.returncode}")
        try:
            state = location_state()
        except (OSError, ValueError, KeyError, TypeError):
            state = None
        loaded = state and all(status == "LOADED" for status, _ in state.values())
        if loaded:
            break
        time.sleep(1)
    else:
        fail(f"the UI did not serve a loaded code location within 180 s: {state}")
finally:
    # dagster dev runs the webserver and the daemon as children: stop its whole session.
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    except ProcessLookupError:
        pass

for name, (_, location) in state.items():
    if location["__typename"] != "RepositoryLocation":
        fail(f"code location {name} failed to load: {location.get('message', location)}")
print(
    f"smoke: ok default command {json.dumps(entrypoint + cmd)}: the UI answered in "
    f"{time.monotonic() - started:.0f} s with code location(s) {', '.join(state)} loaded "
    f"(run on 127.0.0.1:{port} instead of 0.0.0.0:3000)",
    flush=True,
)
PY
