"""The lake's tables as a Dagster component (``defs.yaml``): loaded by ``definitions.py``, and by
``dg`` as the project's defs module."""
