"""The students' Jupyter servers on the hub (on JUPYTER_CONFIG_PATH; jupyter_server_config.json
beside this file turns the Formgrader's and Course List's server extensions off).

Terminals start bash as an interactive shell, not a login shell, so that it keeps the PATH the
hub gave the server (the course runtime's python, jupyter and nbgrader first); Debian's
/etc/profile would reset it.
"""

c = get_config()  # noqa: F821
c.ServerApp.terminado_settings = {"shell_command": ["/bin/bash"]}
