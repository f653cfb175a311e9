#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to run or test SquadStudy. Idempotent: installs only
# missing packages. Needs root (or sudo) the first time; afterwards it changes nothing.
#   bash scripts/setup.sh           runtime libraries (libjpeg-turbo, libspng; the TorchSharp shim on Debian 12)
#   bash scripts/setup.sh --test    plus PostgreSQL (provider tests), Chromium and nginx (browser tests), sqlite3,
#                                   npm and axe-core (the browser tests' accessibility check), R with lme4 and
#                                   Python's statsmodels (the generated analysis scripts' tests)
set -euo pipefail

packages=(libturbojpeg0 libspng0)
# TorchSharp's native library needs GCC 13's libstdc++ (GLIBCXX_3.4.32); where the system's is
# older (Debian 12), scripts/torchsharp-glibcxx.sh builds a one-function shim and patches the
# restored library, with g++ and patchelf.
if ! grep -qa 'GLIBCXX_3\.4\.32' "$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !found {print $NF; found = 1}')"; then
  packages+=(g++ patchelf binutils)
fi
if [[ "${1:-}" == "--test" ]]; then
  packages+=(postgresql sqlite3 chromium nginx openssl)
  # npm for axe-core: Debian's, unless the machine has an npm already (e.g. Node.js from elsewhere,
  # which Debian's npm package would conflict with).
  if ! command -v npm >/dev/null 2>&1; then packages+=(npm); fi
  # --test also: Debian's PyTorch, torchvision and onnx for the references the engine tests compare
  # with (scripts/make_zoo_reference.py, run by scripts/test.sh).
  packages+=(python3-torch python3-torchvision python3-onnx)
  # --test also: R with lme4 and statsmodels, which the tests of the generated analysis.R and analysis.py
  # run them with (tests/SquadStudy.Web.Tests/Results/AnalysisScriptsTests.cs; under CI=true they must run).
  packages+=(r-base-core r-cran-lme4 python3-statsmodels)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is required (https://dot.net); 'dotnet' is not on PATH" >&2
  exit 1
fi

bash scripts/torchsharp-glibcxx.sh

if [[ "${1:-}" == "--test" ]]; then
  # axe-core, the version pinned in tests/SquadStudy.BrowserTests/package-lock.json (MPL-2.0), into
  # that folder's node_modules; nothing when it is already there in that version.
  browser_tests=tests/SquadStudy.BrowserTests
  if ! grep -q "\"version\": \"$(sed -nE 's/.*"axe-core": "([^"]+)".*/\1/p' "$browser_tests/package.json")\"" "$browser_tests/node_modules/axe-core/package.json" 2>/dev/null; then
    echo "setup: installing axe-core (npm ci in $browser_tests)"
    npm ci --prefix "$browser_tests" --no-audit --no-fund --silent
  fi
fi
