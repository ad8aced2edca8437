# Shared by the S2I scripts (sourced, not run).

# run_workshop_script FILE: a shell script runs under bash with -e -o pipefail, so any failing
# step fails the whole; an executable with another interpreter (#!/usr/bin/env python3) runs as is.
run_workshop_script() {
    script=$1
    first=$(head -n 1 "$script")
    case "$first" in
        "#!"*sh*) bash -eo pipefail "$script" ;;
        "#!"*) [ -x "$script" ] || chmod u+x "$script"; "$script" ;;
        *) bash -eo pipefail "$script" ;;
    esac
}

# ensure_user: an arbitrary UID (OpenShift) has no /etc/passwd entry; ssh, git, whoami
# and Butterfly want one. /etc/passwd is group-0 writable in this image for this.
ensure_user() {
    if ! whoami >/dev/null 2>&1 && [ -w /etc/passwd ]; then
        echo "${LABDECK_USER_NAME:-user}:x:$(id -u):$(id -g):labdeck user:${HOME:-/opt/app-root/src}:/bin/bash" >> /etc/passwd
    fi
}
