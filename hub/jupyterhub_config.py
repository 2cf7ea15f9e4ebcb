"""JupyterHub configuration of the course: one course on one server (``make hub``).

Run as root, after ``hub/course_hub.py setup`` (which made the accounts, the runtime, the
course folder and the exchange; see its docstring)::

    .venv/bin/python -m jupyterhub -f hub/jupyterhub_config.py

- JupyterHub 6 (pinned in pyproject.toml) behind configurable-http-proxy, the Python
  implementation from PyPI (``configurable-http-proxy``, pinned too): a drop-in for the npm
  package that JupyterHub starts the same way, so the hub installs with pip alone, no Node.js.
- Local Unix accounts: PAM checks the password (the same login as a shell; setup sets a random
  one per account it makes), ``LocalProcessSpawner`` starts each user's JupyterLab as that user
  (the hub runs as root and switches to the user), from the course runtime's venv, with the
  course kernel "Python 3 (DL course)".
- Roles: the instructor and the TAs (group ``<prefix>graders``) get nbgrader's Formgrader and
  Create Assignment, their server in the course folder with umask 007; students (group
  ``<prefix>students``) get the Assignment List and Validate only, their server in their home.
  The role's Jupyter config is ``hub/jupyter/<role>/`` (on ``JUPYTER_CONFIG_PATH``). The real
  defence is the file system: the course folder is 2770 (instructor, group graders).
- The exchange (``NBGRADER_EXCHANGE``) and course id are set once, in hub/course_hub.py, and
  reach every server through its environment.

Environment: ``DLC_HUB_ROOT`` (default /srv/dl-course), ``DLC_HUB_IP`` (127.0.0.1; 0.0.0.0
to serve other machines, behind HTTPS), ``DLC_HUB_PORT`` (8000), ``DLC_HUB_API_PORT`` (8081,
the hub's own API), ``DLC_PROXY_API_PORT`` (8001).
"""

import importlib.util
import os
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location("course_hub", Path(__file__).resolve().parent / "course_hub.py")
course_hub = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course_hub)

c = get_config()  # noqa: F821  (injected by JupyterHub when it loads this file)

layout = course_hub.Layout.from_env()
roster = layout.roster()
graders = [roster["instructor"], *roster["tas"]]
students = list(roster["students"])
port = int(os.environ.get("DLC_HUB_PORT", "8000"))

# --- Network: the public port (the proxy), the hub's API, the proxy's API ---
c.JupyterHub.bind_url = f"http://{os.environ.get('DLC_HUB_IP', '127.0.0.1')}:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("DLC_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('DLC_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [str(Path(sys.prefix) / "bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(layout.state / "proxy.pid")

# --- The hub's own state, root's only ---
c.JupyterHub.db_url = f"sqlite:///{layout.state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(layout.state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(layout.state / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every user's server

# --- Who may log in: the course's accounts, by their Unix password. Nobody is a hub admin
# (an admin could open any student's server). ---
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = set(graders + students)
c.Authenticator.admin_users = set()
c.JupyterHub.load_groups = {roster["graders_group"]: {"users": graders},
                            roster["students_group"]: {"users": students}}

# --- Each user's JupyterLab, as that user, from the course runtime ---
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(layout.python), "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 180
c.Spawner.start_timeout = 180


def role_of(username: str) -> str:
    return "grader" if username in graders else "student"


def pre_spawn(spawner) -> None:
    """The role's environment and folder: graders in the course folder, students at home."""
    role = role_of(spawner.user.name)
    spawner.environment.update(layout.user_env(role))
    if role == "grader":
        spawner.notebook_dir = str(layout.course)


c.Spawner.pre_spawn_hook = pre_spawn
