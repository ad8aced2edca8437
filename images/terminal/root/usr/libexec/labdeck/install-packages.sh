#!/bin/sh
# System packages of the terminal image, on a Debian/Ubuntu (apt-get) or a Fedora/UBI/RHEL
# (dnf, microdnf) base. Switches (build args): INSTALL_NODEJS, INSTALL_JAVA (true/false);
# KUBECTL_VERSION, OC_VERSION, ODO_VERSION (a version number installs that client).
set -eu
nodejs=${INSTALL_NODEJS:-true}
java=${INSTALL_JAVA:-true}

if command -v apt-get >/dev/null; then
    pkgs="bash ca-certificates curl wget git vim-tiny nano less procps openssh-client python3 python3-venv"
    [ "$nodejs" = true ] && pkgs="$pkgs nodejs npm"
    [ "$java" = true ] && pkgs="$pkgs default-jre-headless"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
    apt-get clean
    rm -rf /var/lib/apt/lists/*
    # "vi" for everyone who types it
    [ -e /usr/bin/vi ] || ln -s /usr/bin/vim.tiny /usr/bin/vi
else
    dnf=$(command -v dnf || command -v microdnf)
    pkgs="bash ca-certificates curl wget git vim-minimal nano less procps-ng openssh-clients python3 python3-pip"
    [ "$nodejs" = true ] && pkgs="$pkgs nodejs npm"
    [ "$java" = true ] && pkgs="$pkgs java-17-openjdk-headless"
    # shellcheck disable=SC2086
    "$dnf" install -y $pkgs
    "$dnf" clean all
fi

arch=$(uname -m)
case "$arch" in x86_64) goarch=amd64 ;; aarch64) goarch=arm64 ;; *) goarch=$arch ;; esac
if [ -n "${KUBECTL_VERSION:-}" ]; then
    curl -fsSL -o /usr/local/bin/kubectl "https://dl.k8s.io/release/v${KUBECTL_VERSION#v}/bin/linux/$goarch/kubectl"
    chmod 755 /usr/local/bin/kubectl
fi
if [ -n "${OC_VERSION:-}" ]; then
    curl -fsSL "https://mirror.openshift.com/pub/openshift-v4/$arch/clients/ocp/${OC_VERSION}/openshift-client-linux.tar.gz" \
        | tar -xzf - -C /usr/local/bin oc
    chmod 755 /usr/local/bin/oc
fi
if [ -n "${ODO_VERSION:-}" ]; then
    curl -fsSL -o /usr/local/bin/odo \
        "https://developers.redhat.com/content-gateway/rest/mirror/pub/openshift-v4/clients/odo/v${ODO_VERSION#v}/odo-linux-$goarch"
    chmod 755 /usr/local/bin/odo
fi
