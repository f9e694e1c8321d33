"""The ground floor: errors, where files live, and how files are written.

Nothing here knows the study. Every other layer imports from here; this layer
imports nothing of the package above it (``make lint`` checks the layers).

- :mod:`analysis.base.errors`  one error family, with file, line and column
- :mod:`analysis.base.paths`   the layout of the repository and of a build
- :mod:`analysis.base.files`   one output rule, atomic writes, temporaries swept, safe CSV
"""
