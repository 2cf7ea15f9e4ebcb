"""nbgrader for the course's students on the hub (on JUPYTER_CONFIG_PATH): the course id and
exchange the hub's environment names (hub/course_hub.py), and submissions that only their owner
and the instructors' group can open (autograder/nbgrader_ext/exchange.py, PrivateSubmit)."""

import os

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = os.environ["DL_COURSE_ID"]
c.Exchange.root = os.environ["NBGRADER_EXCHANGE"]
c.ExchangeFactory.submit = "autograder.nbgrader_ext.exchange.PrivateSubmit"
