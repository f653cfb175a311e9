#!/usr/bin/env bash
# Sets up and runs the SquadStudy site on SQLite with the demo study. On the first start it imports
# the demo pack, precomputes its explanations, opens the study at /s/demo, and prints the
# participant link and the researcher login.
#   Listen address: ASPNETCORE_URLS or --urls (default http://localhost:5000)
#   Data directory: SquadStudy__DataDirectory (default ./data in the repository)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

export SquadStudy__DataDirectory="${SquadStudy__DataDirectory:-$PWD/data}"
mkdir -p "$SquadStudy__DataDirectory"

# The first researcher account: from Admin__Email / Admin__Password when set; otherwise a local
# account with a random password, generated once and kept (readable only by you) in the data directory.
if [[ -z "${Admin__Password:-}" ]]; then
  secret="$SquadStudy__DataDirectory/researcher-login.txt"
  if [[ ! -f "$secret" ]]; then
    umask 077
    printf 'researcher@localhost\n%s\n' "$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')" > "$secret"
  fi
  export Admin__Email="${Admin__Email:-$(sed -n 1p "$secret")}"
  export Admin__Password="$(sed -n 2p "$secret")"
  echo "Researcher login: $Admin__Email / $Admin__Password  (kept in $secret)"
fi

urls="${ASPNETCORE_URLS:-http://localhost:5000}"
exec dotnet run --project src/SquadStudy.Web -c Release --no-launch-profile -- --urls "$urls" "$@"
