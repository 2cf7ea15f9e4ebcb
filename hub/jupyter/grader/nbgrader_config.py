"""nbgrader for the course's instructor and TAs on the hub (on JUPYTER_CONFIG_PATH): the course
folder, course id and exchange the hub's environment names (hub/course_hub.py). The course's own
nbgrader_config.py, in that folder, holds everything else."""

import os

c = get_config()  # noqa: F821
# The course folder for the Formgrader (the server's working folder is the user's home) and
# commands run elsewhere; a command run in a folder with an nbgrader_config.py of its own
# keeps it as its course, as nbgrader does (the class command grades in private copies of the
# course, each with its own gradebook).
if not os.path.isfile("nbgrader_config.py"):
    c.CourseDirectory.root = os.environ["DL_COURSE_DIR"]
c.CourseDirectory.course_id = os.environ["DL_COURSE_ID"]
c.Exchange.root = os.environ["NBGRADER_EXCHANGE"]
