# The image's own shell settings (/opt/app-root/etc/profile.d/labdeck.sh); workshops add files beside it.
LABDECK_PROFILE_PID=$$
export LABDECK_PROFILE_PID
# Debian's /etc/profile resets PATH for login shells: put the workshop's folders back in front.
case ":$PATH:" in
    *:/opt/app-root/bin:*) ;;
    *) PATH="/opt/app-root/src/.local/bin:/opt/app-root/bin:$PATH"; export PATH ;;
esac
