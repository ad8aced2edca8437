"""JupyterHub for labdeck workshops: one labdeck per attendee, every knob an environment variable.

    jupyterhub -f images/hub/jupyterhub_config.py

The parameters (all optional, defaults in brackets) are listed in docs/multi-user.md.
HUB_SPAWNER picks KubeSpawner [on Kubernetes] or SimpleLocalProcessSpawner [elsewhere];
AUTHENTICATOR picks openshift, oauth (any OAuth2/OIDC provider), anonymous (a "learning
portal": a random temporary user per visitor) or shared-password (local trials).
HUB_EXTRA_CONFIG names one more Python config file loaded last, for anything not covered.
"""

# ruff: noqa: F821  (``c`` and ``load_subconfig`` are given by JupyterHub)

import importlib.util
import os
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def env(name, default=""):
    value = os.environ.get(name, "").strip()
    return value if value else default


def env_list(name):
    return [item for item in re.split(r"[\s,]+", env(name)) if item]


def env_seconds(name, default):
    text = env(name, str(default))
    try:
        return int(float(text))
    except ValueError:
        raise SystemExit(f"{name}={text!r} is not a number of seconds") from None


def env_bool(name, default=False):
    return env(name, "true" if default else "false").lower() in ("1", "true", "yes", "on")


def free_port():
    """A port free now on loopback: where a local hub's board listens, so that two hubs on one machine
    do not both want 10101 (on Kubernetes the hub's Service names the port: INSTRUCTOR_PORT=10101)."""
    import socket

    if SPAWNER == "kubernetes":
        return "10101"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def kubernetes_quantity(text):
    """``512Mi`` -> ``512M``: JupyterHub's byte sizes count K/M/G in 1024s already."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT])i?", text)
    if not match:
        raise SystemExit(f"WORKSHOP_MEMORY={text!r} is not a size like 512Mi or 1Gi")
    return match.group(1) + match.group(2)


c = get_config()
c.JupyterHub.services = []
c.JupyterHub.load_roles = []

SPAWNER = env("HUB_SPAWNER", "kubernetes" if os.environ.get("KUBERNETES_SERVICE_HOST") else "local")
AUTHENTICATOR = env("AUTHENTICATOR", "openshift" if SPAWNER == "kubernetes" else "shared-password")
IDLE_TIMEOUT = env_seconds("IDLE_TIMEOUT", 7200)
MAX_SESSION_AGE = env_seconds("MAX_SESSION_AGE", 0)
CULL_EVERY = env_seconds("CULL_EVERY", max(1, min(300, (IDLE_TIMEOUT or MAX_SESSION_AGE or 600) // 4)))
ANONYMOUS = AUTHENTICATOR == "anonymous"

# --- the hub ----------------------------------------------------------------------------------------
c.JupyterHub.ip = env("HUB_IP", "" if SPAWNER == "kubernetes" else "127.0.0.1")
c.JupyterHub.port = int(env("HUB_PORT", "8000"))
c.JupyterHub.base_url = env("HUB_BASE_URL", "/")
if env("HUB_SUBDOMAIN_HOST"):
    # each attendee's server on a host of its own (alice.<domain>): one attendee's pages cannot script another's
    # (docs/multi-user.md, "One origin per attendee"); needs a wildcard DNS entry and certificate
    c.JupyterHub.subdomain_host = env("HUB_SUBDOMAIN_HOST")
c.JupyterHub.active_server_limit = int(env("SERVER_LIMIT", "0"))  # 0: no limit
c.JupyterHub.concurrent_spawn_limit = int(env("SPAWN_LIMIT", "100"))
c.JupyterHub.cleanup_servers = True
if env("HUB_STATE_DIR"):
    state = Path(env("HUB_STATE_DIR"))
    state.mkdir(parents=True, exist_ok=True)
    c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
chp = env("CONFIGURABLE_HTTP_PROXY") or shutil.which("configurable-http-proxy") \
    or str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")
c.ConfigurableHTTPProxy.command = [chp]

# --- who may sign in --------------------------------------------------------------------------------
c.Authenticator.admin_users = set(env_list("ADMIN_USERS"))
if env_list("ALLOWED_USERS"):
    c.Authenticator.allowed_users = set(env_list("ALLOWED_USERS"))
c.Authenticator.allow_all = ANONYMOUS or env_bool("ALLOW_ALL")

if AUTHENTICATOR == "openshift":
    # In a cluster: OAUTH_CLIENT_ID=system:serviceaccount:<namespace>:<account>, its token as the secret,
    # and the service account annotated with serviceaccounts.openshift.io/oauth-redirecturi.first.
    c.JupyterHub.authenticator_class = "oauthenticator.openshift.OpenShiftOAuthenticator"
    c.OpenShiftOAuthenticator.client_id = env("OAUTH_CLIENT_ID")
    c.OpenShiftOAuthenticator.client_secret = env("OAUTH_CLIENT_SECRET")
    c.OpenShiftOAuthenticator.oauth_callback_url = env("OAUTH_CALLBACK_URL")
    if env("OPENSHIFT_URL"):
        c.OpenShiftOAuthenticator.openshift_url = env("OPENSHIFT_URL")
    c.OpenShiftOAuthenticator.allowed_groups = set(env_list("ALLOWED_GROUPS"))
    c.OpenShiftOAuthenticator.admin_groups = set(env_list("ADMIN_GROUPS"))
elif AUTHENTICATOR == "oauth":
    c.JupyterHub.authenticator_class = "oauthenticator.generic.GenericOAuthenticator"
    c.GenericOAuthenticator.client_id = env("OAUTH_CLIENT_ID")
    c.GenericOAuthenticator.client_secret = env("OAUTH_CLIENT_SECRET")
    c.GenericOAuthenticator.oauth_callback_url = env("OAUTH_CALLBACK_URL")
    c.GenericOAuthenticator.authorize_url = env("OAUTH_AUTHORIZE_URL")
    c.GenericOAuthenticator.token_url = env("OAUTH_TOKEN_URL")
    c.GenericOAuthenticator.userdata_url = env("OAUTH_USERDATA_URL")
    c.GenericOAuthenticator.scope = env_list("OAUTH_SCOPES") or ["openid", "profile", "email"]
    c.GenericOAuthenticator.username_claim = env("OAUTH_USERNAME_CLAIM", "preferred_username")
    if env_list("ALLOWED_GROUPS") or env_list("ADMIN_GROUPS"):
        c.GenericOAuthenticator.manage_groups = True
        c.GenericOAuthenticator.auth_state_groups_key = env("OAUTH_GROUPS_KEY", "oauth_user.groups")
        c.GenericOAuthenticator.allowed_groups = set(env_list("ALLOWED_GROUPS"))
        c.GenericOAuthenticator.admin_groups = set(env_list("ADMIN_GROUPS"))
elif ANONYMOUS:
    # Learning portal: visiting the hub makes a fresh random user; the culler deletes it after use.
    c.JupyterHub.authenticator_class = "tmpauthenticator.TmpAuthenticator"
elif AUTHENTICATOR == "shared-password":
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = env("SHARED_PASSWORD")
    if env("ADMIN_PASSWORD"):
        c.SharedPasswordAuthenticator.admin_password = env("ADMIN_PASSWORD")
else:
    raise SystemExit(f"AUTHENTICATOR={AUTHENTICATOR!r}: choose openshift, oauth, anonymous or shared-password")

# --- what each attendee gets ------------------------------------------------------------------------
PORT = 10080
# in the image, its S2I run script: passwd entry for the arbitrary UID, .workshop/setup, then labdeck run
c.Spawner.cmd = env("LABDECK_COMMAND", "/usr/libexec/s2i/run" if SPAWNER == "kubernetes" else "labdeck serve").split()
c.Spawner.default_url = env("DEFAULT_URL", "/")
c.Spawner.start_timeout = env_seconds("SPAWN_TIMEOUT", 120)
c.Spawner.http_timeout = env_seconds("SPAWN_HTTP_TIMEOUT", 60)
c.Spawner.environment = {
    # how often labdeck tells the hub it is in use (the culler reads it): a fraction of the timeout
    "JUPYTERHUB_ACTIVITY_INTERVAL": str(max(1, min(300, (IDLE_TIMEOUT or 1200) // 4))),
    **{name: os.environ[name] for name in env_list("PASS_ENVIRONMENT") if name in os.environ},
}

if SPAWNER == "kubernetes":
    image = env("TERMINAL_IMAGE")
    if not image:
        raise SystemExit("TERMINAL_IMAGE is not set: which workshop image should each attendee get?")
    memory = kubernetes_quantity(env("WORKSHOP_MEMORY", "512Mi"))
    c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
    c.JupyterHub.hub_connect_ip = env("HUB_CONNECT_IP", "")  # the hub's Service name, if not resolvable
    c.KubeSpawner.image = image
    c.KubeSpawner.image_pull_policy = env("IMAGE_PULL_POLICY", "IfNotPresent")
    c.KubeSpawner.port = PORT
    c.KubeSpawner.mem_limit = memory
    c.KubeSpawner.mem_guarantee = memory
    c.KubeSpawner.uid = None  # the image's user (OpenShift assigns one from the namespace range)
    c.KubeSpawner.fs_gid = None
    # any UID, never root, in group 0, which owns /opt/app-root as S2I images have it; no way up from there
    c.KubeSpawner.supplemental_gids = [0]
    c.KubeSpawner.container_security_context = RESTRICTED = {
        "runAsNonRoot": True, "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    # the pod's Kubernetes token only where a console in the pod acts with it (docs/console.md)
    workshop_account = env("WORKSHOP_SERVICE_ACCOUNT")
    c.KubeSpawner.service_account = workshop_account or None
    c.KubeSpawner.automount_service_account_token = bool(workshop_account)
    c.KubeSpawner.pod_name_template = "labdeck-{user_server}"
    volume_size = env("VOLUME_SIZE")
    if volume_size:
        c.KubeSpawner.pvc_name_template = "labdeck-{user_server}"
        c.KubeSpawner.storage_pvc_ensure = True
        c.KubeSpawner.storage_capacity = volume_size
        c.KubeSpawner.storage_access_modes = ["ReadWriteOnce"]
        if env("STORAGE_CLASS"):
            c.KubeSpawner.storage_class = env("STORAGE_CLASS")
        c.KubeSpawner.volumes = [{"name": "app-root", "persistentVolumeClaim": {"claimName": "{pvc_name}"}}]
        c.KubeSpawner.volume_mounts = [{"name": "app-root", "mountPath": "/opt/app-root"}]
        # the image's /opt/app-root is hidden by the volume: copy it in once, never over later changes
        # (`labdeck copy-once` comes with labdeck-jupyterhub, which the terminal and dashboard images have)
        c.KubeSpawner.init_containers = [{
            "name": "copy-once",
            "image": image,
            "command": ["labdeck", "copy-once", "/opt/app-root", "/mnt/app-root"],
            "volumeMounts": [{"name": "app-root", "mountPath": "/mnt/app-root"}],
            "resources": {"requests": {"memory": env("WORKSHOP_MEMORY", "512Mi")},
                          "limits": {"memory": env("WORKSHOP_MEMORY", "512Mi")}},
            "securityContext": RESTRICTED,
        }]
    if ANONYMOUS:
        c.KubeSpawner.delete_pvc = True  # temporary users leave nothing behind
else:
    c.JupyterHub.spawner_class = "simple"  # SimpleLocalProcessSpawner: every user is the hub's own Unix user
    homes = Path(env("HUB_USER_HOMES", str(Path(env("HUB_STATE_DIR", ".")) / "homes"))).resolve()
    c.SimpleLocalProcessSpawner.home_dir_template = str(homes / "{username}")

# --- culling idle servers (and, in learning-portal mode, their temporary users) ---------------------
if IDLE_TIMEOUT or MAX_SESSION_AGE:
    culler = [sys.executable, "-m", "jupyterhub_idle_culler", f"--cull-every={CULL_EVERY}",
              f"--timeout={IDLE_TIMEOUT or 10 * 365 * 86400}", f"--max-age={MAX_SESSION_AGE}",
              "--remove-named-servers=True"]
    scopes = ["list:users", "read:users:activity", "read:servers", "delete:servers"]
    if ANONYMOUS:
        culler.append("--cull-users=True")
        scopes.append("admin:users")  # deleting a user needs it
    c.JupyterHub.services.append({"name": "idle-culler", "command": culler})
    c.JupyterHub.load_roles.append({"name": "idle-culler", "scopes": scopes, "services": ["idle-culler"]})

# --- the instructor's room board: labdeck-instructor as a hub service (docs/instructor.md) ----------
if env_bool("INSTRUCTOR_BOARD", importlib.util.find_spec("labdeck_instructor") is not None):
    group = env("INSTRUCTORS_GROUP", "instructors")
    labdeck = shutil.which("labdeck", path=str(Path(sys.executable).parent)) or "labdeck"
    c.JupyterHub.services.append({
        "name": "instructor",
        "url": env("INSTRUCTOR_URL", f"http://127.0.0.1:{env('INSTRUCTOR_PORT', free_port())}"),
        "command": [labdeck, "serve"],
        "oauth_no_confirm": True,  # the hub's own service: no "authorize access" page for instructors
        "environment": {
            "LABDECK_PLUGINS": "instructor,jupyterhub,oauth",
            "LABDECK_INSTRUCTOR_BOARD": "true",
            # attendees' servers are reached through the public proxy, as their browsers reach them
            "LABDECK_INSTRUCTOR_PROXY_URL": env("INSTRUCTOR_PROXY_URL", "http://proxy-public" if SPAWNER == "kubernetes"
                                                else f"http://127.0.0.1:{c.JupyterHub.port}"),
            **{name: os.environ[name] for name in env_list("PASS_ENVIRONMENT")
               if name.startswith("LABDECK_INSTRUCTOR_") and name in os.environ},
        },
    })
    c.JupyterHub.load_roles.append({"name": "instructor-service", "services": ["instructor"], "scopes": [
        "list:users",           # which users there are (the board's rows)
        "read:servers",         # whose server is running and at which URL
        "read:users:activity",  # each attendee's last activity
        "access:servers",       # GET <server>notes/-/progress on every attendee's labdeck (read-only: labdeck
                                # confines a service's token to the progress path)
    ]})
    # who may open the board: admins hold access:services already; the instructors group gets it for this one
    c.JupyterHub.load_groups = {group: {"users": env_list("INSTRUCTOR_USERS")}}
    c.JupyterHub.load_roles.append({"name": "instructors", "groups": [group],
                                    "scopes": ["access:services!service=instructor"]})

if env("HUB_EXTRA_CONFIG"):
    load_subconfig(env("HUB_EXTRA_CONFIG"))
