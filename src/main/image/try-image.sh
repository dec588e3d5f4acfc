#!/usr/bin/env bash
# Runs the image built by `mvn -Pimage package` without Docker, to check it: unpacks the layers of
# the OCI tarball into a fresh directory and starts the image's entrypoint and command in it with
# chroot, as the image's user, with its environment and working directory, in a mount and PID
# namespace of its own with what a container runtime always provides (/proc, a minimal /dev,
# /etc/hosts, /etc/resolv.conf). Not part of the build (root, jq and util-linux's unshare needed).
#
#   src/main/image/try-image.sh [-k] [-r] [-e NAME=VALUE]... IMAGE_TAR [ARG...]
#   ARGs replace the image's command (run); -e adds to the image's environment (docker run -e);
#   -r makes the root file system read-only but for the volume /var/lib/mailfetch and a tmpfs at
#   /tmp (compose's read_only, Kubernetes' readOnlyRootFilesystem);
#   -k keeps the unpacked directory (printed) instead of deleting it
set -euo pipefail

keep=false
read_only=false
extra_env=()
while [[ ${1:-} == -k || ${1:-} == -r || ${1:-} == -e ]]; do
  case $1 in
    -k) keep=true; shift ;;
    -r) read_only=true; shift ;;
    -e) extra_env+=("$2"); shift 2 ;;
  esac
done
if [[ $# -lt 1 ]]; then
  echo "usage: $0 [-k] [-e NAME=VALUE]... IMAGE_TAR [ARG...]" >&2
  exit 2
fi
tarball=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
[[ $(id -u) -eq 0 ]] || { echo "$0: chroot needs root" >&2; exit 1; }

dir=$(mktemp -d /tmp/mailfetch-image.XXXXXX)
cleanup() { if $keep; then echo "unpacked: $dir" >&2; else rm -rf "$dir"; fi; }
trap cleanup EXIT
mkdir "$dir/oci" "$dir/rootfs"
tar -xf "$tarball" -C "$dir/oci"

blob() { echo "$dir/oci/blobs/${1%%:*}/${1#*:}"; }
manifest=$(blob "$(jq -r '.manifests[0].digest' "$dir/oci/index.json")")
config=$(blob "$(jq -r '.config.digest' "$manifest")")
# layers in order, as a runtime applies them (gzip or plain tar; none of Jib's has whiteouts)
for digest in $(jq -r '.layers[].digest' "$manifest"); do
  tar -xf "$(blob "$digest")" -C "$dir/rootfs" --same-owner --same-permissions --numeric-owner \
    --warning=no-unknown-keyword
done

user=$(jq -r '.config.User // "0:0"' "$config")
workdir=$(jq -r '.config.WorkingDir // "/"' "$config")
mapfile -t env < <(jq -r '.config.Env // [] | .[]' "$config")
env+=("${extra_env[@]}")
mapfile -t entrypoint < <(jq -r '.config.Entrypoint // [] | .[]' "$config")
if [[ $# -gt 0 ]]; then
  cmd=("$@")
else
  mapfile -t cmd < <(jq -r '.config.Cmd // [] | .[]' "$config")
fi
echo "entrypoint: ${entrypoint[*]}; command: ${cmd[*]}; user $user; working dir $workdir" >&2

root=$dir/rootfs
mkdir -p "$root/proc" "$root/dev" "$root/etc"
cp /etc/hosts /etc/resolv.conf "$root/etc/"
# The image's PATH finds the entrypoint's program, as runc does.
exec_path=$(printf '%s\n' "${env[@]}" | sed -n 's/^PATH=//p')
program=${entrypoint[0]}
if [[ $program != /* ]]; then
  for p in ${exec_path//:/ }; do
    if [[ -x $root$p/$program ]]; then program=$p/$program; break; fi
  done
fi
# the volume: a copy of the image's directory, as Docker fills a new named volume
if $read_only; then
  cp -a "$root/var/lib/mailfetch" "$root.volume"
fi
uid=${user%%:*}
gid=${user#*:}
[[ $gid == "$user" ]] && gid=$uid
# nsenter: chroot into the tree, change to the working directory, drop to the user (and its group,
# no supplementary groups), then exec the program with exactly the image's environment
unshare --mount --pid --fork --propagation private bash -c '
  set -e
  root=$1 uid=$2 gid=$3 workdir=$4 read_only=$5 nenv=$6; shift 6
  environment=("${@:1:$nenv}"); shift "$nenv"
  # the root is a mount point in a container (/proc/self/mounts lists it: Java finds file stores)
  mount --bind "$root" "$root"
  if $read_only; then
    mount -o remount,bind,ro "$root"
    mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
    mount --bind "$root.volume" "$root/var/lib/mailfetch"
  fi
  mount -t proc proc "$root/proc"
  mount -t tmpfs -o mode=755 tmpfs "$root/dev"
  for n in null zero full random urandom tty; do touch "$root/dev/$n"; mount --bind "/dev/$n" "$root/dev/$n"; done
  exec env -i "${environment[@]}" nsenter --root="$root" --wd="$root$workdir" -S "$uid" -G "$gid" "$@"
' _ "$root" "$uid" "$gid" "$workdir" "$read_only" "${#env[@]}" "${env[@]}" "$program" "${entrypoint[@]:1}" "${cmd[@]}"
