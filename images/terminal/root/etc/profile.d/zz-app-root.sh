# /etc/profile.d/zz-app-root.sh, also sourced from /etc/bash.bashrc, so that every
# bash (login or not: terminals, Butterfly, `podman exec ... bash`) reads the workshop's
# /opt/app-root/etc/profile.d/*.sh. Once per shell process: the marker holds the pid of the
# shell that read them (labdeck-terminal sources them before it execs the login shell, same pid).
if [ "${LABDECK_PROFILE_PID-}" != "$$" ]; then
    LABDECK_PROFILE_PID=$$
    export LABDECK_PROFILE_PID
    for _labdeck_file in /opt/app-root/etc/profile.d/*.sh; do
        if [ -r "$_labdeck_file" ]; then . "$_labdeck_file"; fi
    done
    unset _labdeck_file
fi
