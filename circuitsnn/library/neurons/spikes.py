"""Moved to :mod:`circuitsnn.spice.spikes` (the one threshold-crossing routine); this alias goes once every import uses the new place."""
from ...spice.spikes import *  # noqa: F401,F403
