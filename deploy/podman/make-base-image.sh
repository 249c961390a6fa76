#!/usr/bin/env bash
# Makes a local Debian 12 (bookworm) base image, for hosts that cannot pull one.
#   deploy/podman/make-base-image.sh [IMAGE]      (default IMAGE: localhost/debian:12)
# debootstrap's minbase variant (dpkg, apt and the required packages, about 80 MB) from
# Debian's own mirror, imported with `podman import`. Skipped when IMAGE already exists.
# The image stands in for both debian:12 (build stage) and debian:12-slim (runtime stage)
# in deploy/Containerfile. Needs root (debootstrap), debootstrap and podman.
set -euo pipefail

image=${1:-localhost/debian:12}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if podman image exists "$image"; then
  echo "make-base-image: $image exists, nothing to do" >&2
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "make-base-image: debootstrap needs root" >&2; exit 1; }

rootfs=$(mktemp -d /var/tmp/yoga-debootstrap.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT

echo "make-base-image: debootstrap --variant=minbase bookworm from $mirror" >&2
timeout 1200 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
  tail -n 30 "$rootfs.log" >&2; rm -f "$rootfs.log"
  echo "make-base-image: debootstrap failed" >&2; exit 1; }
rm -f "$rootfs.log"

# The same apt sources and size-saving apt settings as Debian's official image.
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
APT
echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
# Nothing of the build host's identity or the bootstrap's caches in the image.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/*
: >"$rootfs/etc/hostname"
: >"$rootfs/etc/resolv.conf"

echo "make-base-image: importing as $image" >&2
tar --numeric-owner -C "$rootfs" -c . |
  podman import --quiet --change 'CMD ["bash"]' --message "debootstrap minbase bookworm" - "$image" >/dev/null
echo "make-base-image: $image ready ($(podman image inspect --format '{{.Size}}' "$image") bytes)" >&2
