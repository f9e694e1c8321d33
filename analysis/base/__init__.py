"""The ground floor: errors, where files live, how files are written and YAML read.

Nothing here knows the study. Every other layer imports from here; this layer
imports nothing of the package above it (``make lint`` checks the layers).

- :mod:`analysis.base.errors`   one error family, with file, line and column
- :mod:`analysis.base.paths`    the layout of the repository and of a build
- :mod:`analysis.base.files`    one output rule, atomic writes, temporaries swept, safe CSV
- :mod:`analysis.base.yaml_io`  YAML read safely, in C where libyaml is installed
"""
