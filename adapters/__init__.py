"""Every effect of boxauth lives here: network, files, clock, randomness, threads."""

import logging

# A library does not print: records go to the "boxauth" logger, and only an
# application that configures logging sees them (Python's logging HOWTO,
# "Configuring Logging for a Library"). The CLI installs its own handler.
logging.getLogger("boxauth").addHandler(logging.NullHandler())
