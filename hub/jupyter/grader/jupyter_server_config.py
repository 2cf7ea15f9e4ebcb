"""The instructor's and TAs' Jupyter servers on the hub (on JUPYTER_CONFIG_PATH).

- umask 007: what they make in the course folder (group graders, set-group-id) stays writable
  by the group and closed to everyone else.
- JupyterLab shows the Formgrader in a frame of the server's own page; JupyterHub forbids every
  frame by default (``frame-ancestors 'none'``), so graders' servers allow their own origin's,
  as a plain Jupyter server does. Students' servers keep JupyterHub's default.
- Terminals start bash as an interactive shell, not a login shell, so that it keeps the PATH
  the hub gave the server (the course runtime's python first); Debian's /etc/profile resets it.

nbgrader's Formgrader and Create Assignment stay on, as the venv enables them.
"""

import os

c = get_config()  # noqa: F821
os.umask(0o007)
c.ServerApp.tornado_settings = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
c.ServerApp.terminado_settings = {"shell_command": ["/bin/bash"]}
