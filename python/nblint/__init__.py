"""nblint: lint, strip, diff and extract Jupyter notebooks.

The package only carries ``python -m nblint``; the work is done by the ``nblint`` binary that
the wheel installs into the environment's scripts folder.
"""
