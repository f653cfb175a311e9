#!/usr/bin/env bash
# Makes TorchSharp's native library load where the system libstdc++ is older than GCC 13's
# (Debian 12: GCC 12). Called by scripts/setup.sh; does nothing where libstdc++ already has
# GLIBCXX_3.4.32 (Debian 13, Ubuntu 24.04, the Docker image). See docs/engine.md, "Loading
# TorchSharp on Debian 12".
#
# libLibTorchSharp.so (TorchSharp 0.107, built with GCC 13) needs one symbol at GLIBCXX_3.4.32,
# std::ios_base_library_init(). On the restored copy in the NuGet package cache (which every build
# copies into its output) this script
#   1. builds libstdcxx-shim.so beside it from src/SquadStudy.Engine/Native/glibcxx-shim with g++,
#   2. adds the shim to the library's DT_NEEDED (patchelf), so the symbol is found in the shim,
#   3. marks the library's requirement of version GLIBCXX_3.4.32 from libstdc++.so.6 weak
#      (VER_FLG_WEAK in its .gnu.version_r entry), so ld.so no longer insists that libstdc++
#      itself defines that version.
# Idempotent: a library already patched is left alone. The engine's project copies the shim
# next to the library in every build output.
set -euo pipefail
cd "$(dirname "$0")/.."

libstdcxx=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !found {print $NF; found = 1}')
if [[ -z "$libstdcxx" ]]; then
  echo "torchsharp-glibcxx: libstdc++.so.6 not found by ldconfig" >&2
  exit 1
fi
if grep -qa 'GLIBCXX_3\.4\.32' "$libstdcxx"; then
  exit 0
fi

version=$(sed -nE 's/.*<TorchSharpVersion>([^<]+)<.*/\1/p' Directory.Packages.props)
dotnet restore src/SquadStudy.Engine --nologo -v q >/dev/null
packages="${NUGET_PACKAGES:-$(dotnet nuget locals global-packages --list | sed -E 's/^global-packages: //')}"
native="${packages%/}/torchsharp/$version/runtimes/linux-x64/native"
lib="$native/libLibTorchSharp.so"
shim="$native/libstdcxx-shim.so"
if [[ ! -f "$lib" ]]; then
  echo "torchsharp-glibcxx: $lib not found after restore" >&2
  exit 1
fi

source_dir=src/SquadStudy.Engine/Native/glibcxx-shim
if [[ ! -f "$shim" || "$source_dir/ios_base_library_init.cpp" -nt "$shim" ]]; then
  g++ -O2 -shared -fPIC -Wl,--version-script="$source_dir/ios_base_library_init.map" \
    -o "$shim.tmp" "$source_dir/ios_base_library_init.cpp"
  mv "$shim.tmp" "$shim"
fi

if ! patchelf --print-needed "$lib" | grep -x libstdcxx-shim.so >/dev/null; then
  echo "torchsharp-glibcxx: $libstdcxx lacks GLIBCXX_3.4.32; patching $lib"
  cp "$lib" "$lib.tmp"
  patchelf --add-needed libstdcxx-shim.so "$lib.tmp"
  # Offset of the Vernaux entry naming GLIBCXX_3.4.32 inside .gnu.version_r, then its vna_flags
  # (4 bytes into the entry: vna_hash u32, vna_flags u16, ...).
  section=$(readelf -S -W "$lib.tmp" | sed -nE 's/.*\.gnu\.version_r +VERNEED +[0-9a-f]+ ([0-9a-f]+) .*/\1/p')
  entry=$(readelf -V -W "$lib.tmp" | sed -nE 's/^ +(0x[0-9a-f]+): +Name: GLIBCXX_3\.4\.32 +Flags: none .*/\1/p')
  if [[ -z "$section" || -z "$entry" ]]; then
    echo "torchsharp-glibcxx: no GLIBCXX_3.4.32 requirement found in $lib; not patched" >&2
    rm -f "$lib.tmp"
    exit 1
  fi
  offset=$((0x$section + entry + 4))
  printf '\x02\x00' | dd of="$lib.tmp" bs=1 seek="$offset" conv=notrunc status=none
  readelf -V -W "$lib.tmp" | grep 'Name: GLIBCXX_3\.4\.32 *Flags: WEAK' >/dev/null || {
    echo "torchsharp-glibcxx: marking GLIBCXX_3.4.32 weak failed" >&2; rm -f "$lib.tmp"; exit 1; }
  mv "$lib.tmp" "$lib"
fi
