"""Learning on the fitted devices and neurons (see :mod:`circuitsnn.learn.trainer` for the
gradient trainer). Data sets: :mod:`.data`; encoders: :mod:`.encode`."""
