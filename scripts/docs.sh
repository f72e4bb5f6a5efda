#!/usr/bin/env bash
# Builds the reference documentation from the public headers with Doxygen
# (docs/Doxyfile) into build-docs/html, failing on any Doxygen warning, and
# checks that every public class and struct got its page.
#   bash scripts/docs.sh [output-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build-docs}

bash "$root/scripts/install-deps.sh"
rm -rf "$out"
mkdir -p "$out"
cd "$root"
( cat docs/Doxyfile; echo "OUTPUT_DIRECTORY = $out" ) | doxygen - 

# Doxygen names pages classmtls_1_1<name>.html, doubling underscores.
missing=0
while read -r kind name; do
    page=$out/html/${kind}mtls_1_1${name//_/__}.html
    if [[ ! -f $page ]]; then
        echo "docs.sh: no reference page for mtls::$name ($page)" >&2
        missing=1
    fi
done < <(awk 'FNR == 1 { hidden = 0 } /^namespace detail \{$/ { hidden = 1 } /^} \/\/ namespace detail/ { hidden = 0 }
              !hidden && /^(class|struct) [a-z_]+[^;]*\{/ { print $1, $2 }' include/mtls/*.hpp | sort -u)
[[ $missing -eq 0 ]]
echo "docs.sh: reference in $out/html/index.html"
