#!/bin/sh
# Make a local Debian base image with debootstrap, for building the labdeck images
# without pulling from a registry:  images/debian-base.sh [IMAGE] [SUITE] [MIRROR]
# Needs root, debootstrap and buildah. BUILDAH_ARGS are buildah's global options, e.g.
# "--root DIR --runroot DIR --storage-driver vfs" for a private image store.
set -eu
image=${1:-localhost/labdeck-debian-base:bookworm}
suite=${2:-bookworm}
mirror=${3:-http://deb.debian.org/debian}
rootfs=$(mktemp -d "${TMPDIR:-/var/tmp}/labdeck-rootfs.XXXXXX")
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >/dev/null
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
# shellcheck disable=SC2086
ctr=$(buildah $BUILDAH_ARGS from scratch)
# shellcheck disable=SC2086
mnt=$(buildah $BUILDAH_ARGS mount "$ctr")
cp -a "$rootfs"/. "$mnt"/
# shellcheck disable=SC2086
buildah $BUILDAH_ARGS umount "$ctr" >/dev/null
# shellcheck disable=SC2086
buildah $BUILDAH_ARGS config --cmd /bin/bash --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
# shellcheck disable=SC2086
buildah $BUILDAH_ARGS commit --quiet --rm "$ctr" "$image" >/dev/null
echo "$image"
