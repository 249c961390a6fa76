#!/usr/bin/env bash
# Makes a local Debian 12 (bookworm) base image, for hosts that cannot pull one.
#   deploy/podman/make-base-image.sh [IMAGE]      (default IMAGE: localhost/debian:12)
#   deploy/podman/make-base-image.sh --print-mirrors   the two URIs it would use, and nothing else
# debootstrap's minbase variant (dpkg, apt and the required packages, about 80 MB), imported
# with `podman import`. Skipped when IMAGE already exists. The image stands in for both
# debian:12 (build stage) and debian:12-slim (runtime stage) in deploy/Containerfile. Needs
# root (debootstrap), debootstrap and podman.
#
# Packages come from where this machine's apt takes them: the bookworm and bookworm-security
# sources of /etc/apt/sources.list and /etc/apt/sources.list.d/*.list and *.sources (one-line
# and deb822 formats), so a local mirror or caching proxy is used, and the image's apt sources
# name the same places (YOGA_APT_DIR reads another folder than /etc/apt). apt's Acquire::http::Proxy (apt-config), else $http_proxy, is passed on
# to debootstrap. DEBIAN_MIRROR=URI (and DEBIAN_SECURITY_MIRROR=URI) override what apt says.
set -euo pipefail

image=${1:-localhost/debian:12}
apt_dir=${YOGA_APT_DIR:-/etc/apt}

# "URI SUITE" for every enabled deb source of this machine's apt configuration.
apt_sources() {
  local files=() f
  [ -f "$apt_dir/sources.list" ] && files+=("$apt_dir/sources.list")
  for f in "$apt_dir"/sources.list.d/*.list "$apt_dir"/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  ((${#files[@]})) || return 0
  awk '
    # deb822: stanzas of "Field: value" lines separated by blank lines.
    function flush() {
      if (types ~ /(^| )deb( |$)/ && enabled !~ /^(no|false)$/)
        for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print uris[i], suites[j]
      types = ""; enabled = ""; nu = 0; ns = 0
    }
    FNR == 1 { flush() }
    FILENAME ~ /\.sources$/ {
      if ($0 ~ /^[ \t]*#/) next
      if ($0 ~ /^[ \t]*$/) { flush(); next }
      field = tolower($1)
      if (field == "types:") { $1 = ""; types = $0 }
      else if (field == "enabled:") enabled = tolower($2)
      else if (field == "uris:") for (i = 2; i <= NF; i++) uris[++nu] = $i
      else if (field == "suites:") for (i = 2; i <= NF; i++) suites[++ns] = $i
      next
    }
    # One-line format: deb [options] URI SUITE COMPONENTS...
    $1 == "deb" {
      i = 2
      if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
      if (i + 1 <= NF) print $i, $(i + 1)
    }
    END { flush() }
  ' "${files[@]}"
}

# The first network URI apt uses for SUITE, or nothing.
mirror_for() {
  apt_sources | awk -v suite="$1" '$2 == suite && $1 ~ /^(https?|ftp):\/\// { print $1; exit }'
}

mirror=${DEBIAN_MIRROR:-$(mirror_for bookworm)}
security_mirror=${DEBIAN_SECURITY_MIRROR:-$(mirror_for bookworm-security)}
if [ -z "$mirror" ]; then
  echo "make-base-image: this machine's apt has no bookworm source ($apt_dir/sources.list," \
    "$apt_dir/sources.list.d/): give one with DEBIAN_MIRROR=URI" >&2
  exit 1
fi
if [ "$image" = --print-mirrors ]; then
  echo "$mirror ${security_mirror:--}"
  exit 0
fi
eval "$(apt-config shell apt_proxy Acquire::http::Proxy 2>/dev/null || true)"
if [ -n "${apt_proxy:-}" ] && [ "${apt_proxy}" != DIRECT ]; then
  export http_proxy=$apt_proxy
fi

if podman image exists "$image"; then
  echo "make-base-image: $image exists, nothing to do" >&2
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "make-base-image: debootstrap needs root" >&2; exit 1; }

rootfs=$(mktemp -d /var/tmp/yoga-debootstrap.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT

echo "make-base-image: debootstrap --variant=minbase bookworm from $mirror (this machine's apt source)${http_proxy:+ through its proxy}" >&2
timeout 1200 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
  tail -n 30 "$rootfs.log" >&2; rm -f "$rootfs.log"
  echo "make-base-image: debootstrap failed" >&2; exit 1; }
rm -f "$rootfs.log"

# The machine's own sources (the same mirror and security mirror, so builds inside the image use
# them too), and the size-saving apt settings of Debian's official image.
rm -f "$rootfs/etc/apt/sources.list"
{
  printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\n' "$mirror"
  printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
  if [ -n "$security_mirror" ]; then
    printf '\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\n' "$security_mirror"
    printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
  else
    echo "make-base-image: warning: no bookworm-security source in this machine's apt; the image has none" >&2
  fi
} >"$rootfs/etc/apt/sources.list.d/debian.sources"
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
