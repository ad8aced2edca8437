#!/usr/bin/env bash
# One machine, several attendees: a local JupyterHub spawning one `labdeck serve` per user.
#
#   images/hub/demo.sh            # then open http://127.0.0.1:8000/ and sign in as alice, bob or instructor
#
# Needs python3 (3.11+) and Node.js/npm. Everything goes into .hub-demo/ at the repository root:
# a venv with labdeck, the plugins found in plugins/ (labdeck-jupyterhub among them: the spawned servers
# sign in through the hub with it), jupyterhub and the idle culler, and the hub's state.
# Parameters (see docs/multi-user.md): SHARED_PASSWORD, ADMIN_PASSWORD, ALLOWED_USERS, ADMIN_USERS,
# IDLE_TIMEOUT, HUB_PORT, WORKSHOP_DIR and any other labdeck setting passed through PASS_ENVIRONMENT.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
demo="${HUB_DEMO_DIR:-$root/.hub-demo}"
venv="$demo/venv"

if [ ! -x "$venv/bin/jupyterhub" ] || [ "${REINSTALL:-}" = 1 ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    plugins=()
    for dir in "$root"/plugins/*/; do [ -f "$dir/pyproject.toml" ] && plugins+=("$dir"); done
    "$venv/bin/pip" install --quiet "$root/core" "${plugins[@]}" jupyterhub jupyterhub-idle-culler
fi
[ -x "$here/node_modules/.bin/configurable-http-proxy" ] || (cd "$here" && npm ci --no-audit --no-fund --silent)

export PATH="$venv/bin:$PATH"
export HUB_SPAWNER=local AUTHENTICATOR=shared-password
export HUB_STATE_DIR="$demo/state"
export SHARED_PASSWORD="${SHARED_PASSWORD:-workshop-$(id -un)}"
export ADMIN_PASSWORD="${ADMIN_PASSWORD:-instructor-password-$(id -un)-0123456789abcdef}"
export ALLOWED_USERS="${ALLOWED_USERS:-alice,bob}"
export ADMIN_USERS="${ADMIN_USERS:-instructor}"
export LABDECK_COMMAND="$venv/bin/labdeck serve"
export PASS_ENVIRONMENT="${PASS_ENVIRONMENT:-WORKSHOP_DIR DEFAULT_PAGE}"
[ -n "${WORKSHOP_DIR:-}" ] && export WORKSHOP_DIR="$(cd "$WORKSHOP_DIR" && pwd)"

cat <<MSG
labdeck hub demo: http://127.0.0.1:${HUB_PORT:-8000}/
  attendees: ${ALLOWED_USERS//,/, } (password: $SHARED_PASSWORD)
  instructor: $ADMIN_USERS (password: $ADMIN_PASSWORD) -- the admin panel can open everyone's labdeck
  idle servers are stopped after ${IDLE_TIMEOUT:-7200} s (0: never); Ctrl-C stops the hub and every server
MSG
cd "$demo"
exec "$venv/bin/jupyterhub" -f "$here/jupyterhub_config.py"
