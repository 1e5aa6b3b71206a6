#!/usr/bin/env bash
# Checks what ops/ installs and ships, without root and without a release build:
#   - ops/install into a throwaway DESTDIR (the debug build): every file lands with its mode,
#     a second run keeps an edited env file, another PREFIX is written into the units;
#   - the systemd units: exposure score at most 1.5 (systemd-analyze, when present);
#   - the Prometheus rules: promtool check + unit tests (when promtool is present);
#   - the Grafana dashboard: valid JSON, and every query valid PromQL (promtool, when present);
#   - ops/examples: the example receivers' tests (python3 -m unittest, standard library only).
# Run by ops/test after `swift build --build-tests` (connectq is built by then).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$(root_dir)"

fail() { echo "check-ops: $*" >&2; exit 1; }
WORK=$(mktemp -d /tmp/connectq-check-ops.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

echo "== ops/install into a throwaway DESTDIR"
DESTDIR="$WORK/root" ops/install --debug >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log" >&2; fail "ops/install failed"; }
expect_file() { # PATH MODE
    [ -f "$WORK/root$1" ] || fail "$1 was not installed"
    [ "$(stat -c %a "$WORK/root$1")" = "$2" ] || fail "$1 has mode $(stat -c %a "$WORK/root$1"), not $2"
}
expect_file /usr/local/bin/connectq 755
expect_file /etc/systemd/system/connectq-worker@.service 644
expect_file /etc/systemd/system/connectq-dashboard.service 644
expect_file /etc/systemd/system/connectq-api.service 644
expect_file /etc/systemd/system/connectq-webhooks.service 644
expect_file /etc/connectq/worker.env 640
expect_file /etc/connectq/dashboard.env 640
expect_file /usr/local/share/bash-completion/completions/connectq 644
expect_file /usr/local/share/zsh/site-functions/_connectq 644
expect_file /usr/local/share/fish/vendor_completions.d/connectq.fish 644
expect_file /usr/local/share/man/man1/connectq.1 644
"$WORK/root/usr/local/bin/connectq" --version | grep -q "contract version" || fail "the installed binary does not run"
grep -q "doctor" "$WORK/root/usr/local/share/bash-completion/completions/connectq" || fail "bash completion lacks the doctor command"
grep -q '^\.Dt CONNECTQ 1' "$WORK/root/usr/local/share/man/man1/connectq.1" || fail "the man page has no .Dt header"
grep -q 'doctor' "$WORK/root/usr/local/share/man/man1/connectq.1" || fail "the man page lacks the doctor command"
if grep -Eq '^[A-Z_]*(SECRET|CONSUMER_KEY|APPLICATION_KEY)=.' "$WORK/root/etc/connectq/worker.env"; then
    fail "the sample worker.env carries a credential"
fi
echo "# edited by the operator" >>"$WORK/root/etc/connectq/worker.env"
DESTDIR="$WORK/root" ops/install --debug --no-build >"$WORK/install2.log" 2>&1 || { cat "$WORK/install2.log" >&2; fail "second ops/install failed"; }
grep -q "edited by the operator" "$WORK/root/etc/connectq/worker.env" || fail "a second ops/install overwrote worker.env"
PREFIX=/opt/connectq DESTDIR="$WORK/prefixed" ops/install --debug --no-build >"$WORK/install3.log" 2>&1 || fail "ops/install with PREFIX failed"
grep -q '^ExecStart=/opt/connectq/bin/connectq worker' "$WORK/prefixed/etc/systemd/system/connectq-worker@.service" || fail "PREFIX is not in the unit"
[ -x "$WORK/prefixed/opt/connectq/bin/connectq" ] || fail "PREFIX/bin/connectq missing"
DESTDIR="$WORK/dry" ops/install --debug --dry-run >/dev/null 2>&1 || fail "ops/install --dry-run failed"
[ ! -e "$WORK/dry" ] || fail "ops/install --dry-run wrote files"

if command -v systemd-analyze >/dev/null; then
    echo "== systemd units: exposure score at most 1.5"
    for unit in ops/systemd/*.service; do
        systemd-analyze security --offline=yes --threshold=15 --no-pager "$unit" >"$WORK/security.log" 2>&1 \
            || { tail -20 "$WORK/security.log" >&2; fail "$unit scores above 1.5"; }
        tail -1 "$WORK/security.log"
    done
else
    echo "== systemd-analyze not installed: unit scores not checked"
fi

echo "== ops/examples: the webhook receivers' signature checks and the Jira receiver against a fake Jira"
# Standard library only; with the webhook receiver's virtualenv (ops/lib/python-venv.sh, made by
# ops/test before this), the check against the reference standardwebhooks package runs too.
examples_python=python3
[ -x .build/webhook-venv/bin/python ] && examples_python=.build/webhook-venv/bin/python
PYTHONDONTWRITEBYTECODE=1 "$examples_python" -m unittest discover -s ops/examples -p 'test_*.py' || fail "ops/examples tests failed"

echo "== Grafana dashboard"
python3 - "$WORK/dashboard-queries.yml" <<'EOF'
import json, sys
dashboard = json.load(open("ops/grafana/connectq.json"))
queries = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
assert queries, "no queries in the dashboard"
# Grafana's variables, replaced by what they stand for, so promtool can parse each query.
with open(sys.argv[1], "w") as out:
    out.write("groups:\n  - name: dashboard\n    rules:\n")
    for n, query in enumerate(queries):
        query = query.replace("$__rate_interval", "5m").replace("$queue", ".*")
        out.write(f"      - record: dashboard:query{n}\n        expr: {json.dumps(query)}\n")
print(f"{len(dashboard['panels'])} panels, {len(queries)} queries")
EOF

if command -v promtool >/dev/null; then
    echo "== Prometheus rules and dashboard queries (promtool)"
    promtool check rules ops/prometheus/connectq-alerts.yml
    (cd ops/prometheus && promtool test rules connectq-alerts.test.yml)
    promtool check rules "$WORK/dashboard-queries.yml" >/dev/null || fail "a dashboard query is not valid PromQL"
else
    echo "== promtool not installed (Debian package prometheus): rules not checked"
fi
echo "ops checks passed"
