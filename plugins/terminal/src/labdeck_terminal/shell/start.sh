# labdeck-terminal: how every terminal session starts (also Butterfly's --shell).
# Sources the profile folders, moves to the terminal home, then becomes a login shell.
# Read by /bin/sh; settings arrive as LABDECK_TERMINAL_* variables (see docs/terminal.md).

if [ -n "${LABDECK_TERMINAL_PROFILE_DIRS-}" ]; then
    _labdeck_ifs=$IFS
    IFS=:
    for _labdeck_dir in $LABDECK_TERMINAL_PROFILE_DIRS; do
        IFS=$_labdeck_ifs
        for _labdeck_script in "$_labdeck_dir"/*.sh; do
            if [ -r "$_labdeck_script" ]; then
                . "$_labdeck_script"
            fi
        done
    done
    IFS=$_labdeck_ifs
    unset _labdeck_ifs _labdeck_dir _labdeck_script
fi

cd "${LABDECK_TERMINAL_HOME:-${HOME:-/}}" 2>/dev/null || cd "${HOME:-/}" 2>/dev/null || cd /

TERM=xterm-256color
USER=${USER:-$(id -un 2>/dev/null || id -u)}
export TERM USER
# A prompt naming the user, for shells whose own start files set none.
if [ -z "${PS1-}" ]; then
    PS1="[$USER@\\h \\W]\\$ "
    export PS1
fi

# Command results (docs/terminal.md): bash marks where each command starts (PS0) and ends, with
# its exit status (PROMPT_COMMAND), as OSC 133 sequences the terminal page reads. Both stop being
# exported at the first prompt, so programs started from the shell do not inherit them; other
# shells ignore them; start files that set their own PROMPT_COMMAND simply turn the marks off.
PS0=$(printf '\033]133;C\007')
PROMPT_COMMAND='__labdeck_status=$?; export -n PS0 PROMPT_COMMAND; printf "\033]133;D;%s\007" "$__labdeck_status"'
export PS0 PROMPT_COMMAND

exec "${SHELL:-/bin/sh}" -l
