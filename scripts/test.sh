#!/usr/bin/env bash
# Sets up and runs every test of SquadStudy: engine, analysis, data (SQLite and a throw-away
# PostgreSQL), studies, CLI, site integration tests and browser tests (Debian's Chromium).
# Prints each test assembly's result and one closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --test || { echo "test: scripts/setup.sh --test failed (exit $?)" >&2; exit 1; }
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The torchvision zoo the engine's zoo tests compare with (about 1.2 GB in ~/.cache/squadstudy-zoo
# or $SQUADSTUDY_ZOO_DIR; a minute or two when cold, nothing when up to date). If it fails, the zoo
# tests fail under CI=true and say so; the other tests still run.
if ! /usr/bin/python3 scripts/make_zoo_reference.py; then
  echo "test: scripts/make_zoo_reference.py failed; the zoo tests will fail" >&2
fi

# Formatting (.editorconfig), whitespace rules only. The engine's kernels and the CLI's explain
# command stack nested loops (`for … for … { }`) on purpose, which the formatter would re-indent:
# they are left out until the engine's own work settles.
format_failed=0
if ! dotnet format whitespace --folder . --verify-no-changes -v q \
    --exclude src/SquadStudy.Engine tests/SquadStudy.Engine.Tests src/SquadStudy.Cli/Commands/ExplainCommand.cs; then
  echo "test: formatting differs from .editorconfig; run the same command without --verify-no-changes" >&2
  format_failed=1
fi

log=$(mktemp)
dotnet test SquadStudy.sln -c Release --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# dotnet test prints one summary line per test assembly; add them up for a single closing line.
passed=0; failed=0; skipped=0
while read -r f p s; do
  failed=$((failed + f)); passed=$((passed + p)); skipped=$((skipped + s))
done < <(sed -nE 's/.*Failed:[[:space:]]+([0-9]+), Passed:[[:space:]]+([0-9]+), Skipped:[[:space:]]+([0-9]+).*/\1 \2 \3/p' "$log")
rm -f "$log"

if [[ $format_failed -ne 0 ]]; then
  failed=$((failed + 1))
  [[ $status -eq 0 ]] && status=1
fi
if [[ $status -ne 0 && $failed -eq 0 ]]; then
  echo "test: dotnet test exited with $status (build failure or crashed test host)" >&2
  failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
