"""Reading YAML: PyYAML's safe loader, in C where libyaml is installed.

The codebook, the paper's texts and the labels are parsed on every build and by every
robustness scenario; libyaml's loader parses them about ten times faster than the pure
Python one and builds the same values (the safe subset: mappings, lists, text, numbers,
booleans, dates). Errors are the same ``yaml.YAMLError`` family, with their marks.

>>> safe_load("a: [1, two]")
{'a': [1, 'two']}
"""

from __future__ import annotations

import yaml

__all__ = ["safe_load"]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream):
    """Parse one YAML document from text or an open file, safely (no tags that run code)."""
    return yaml.load(stream, Loader=_LOADER)  # noqa: S506 - a safe loader
