#!/usr/bin/env bash
# Prints the bin directory of a Node.js <major> release taken from the npm registry
# (the `node-linux-<arch>` packages carry the official binaries), fetching it once into a
# cache directory. No download outside the registry npm already uses.
#
#   scripts/fetch-node.sh 24   ->  ~/.cache/portico/node24/bin
#
# PORTICO_NODE_CACHE moves the cache (default: $XDG_CACHE_HOME/portico or ~/.cache/portico).
set -euo pipefail

major="${1:?usage: fetch-node.sh <major version, e.g. 24>}"
[[ "$major" =~ ^[0-9]+$ ]] || { echo "fetch-node.sh: not a major version: $major" >&2; exit 64; }

case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "fetch-node.sh: no Node.js package for $(uname -m) on npm" >&2; exit 1 ;;
esac

cache="${PORTICO_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/portico}"
dir="$cache/node$major"

if [[ -x "$dir/bin/node" ]] && [[ "$("$dir/bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" == "$major" ]]; then
  echo "$dir/bin"
  exit 0
fi

mkdir -p "$cache"
staging="$(mktemp -d "$cache/.node$major.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
echo "Fetching Node.js $major (npm package node-linux-$arch@$major) into $dir" >&2
(cd "$staging" && npm pack "node-linux-$arch@$major" --silent --no-audit --no-fund >/dev/null)
tar -xzf "$staging"/node-linux-*.tgz -C "$staging"
"$staging/package/bin/node" -e 'process.exit(0)' # it runs on this machine
# A rename, so a concurrent run never sees half a directory; the first one to finish wins.
rm -rf "$dir.old" && { [[ ! -e "$dir" ]] || mv -T "$dir" "$dir.old"; }
mv -T "$staging/package" "$dir" 2>/dev/null || true
rm -rf "$dir.old"
echo "$dir/bin"
