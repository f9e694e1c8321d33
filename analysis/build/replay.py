"""What a drawing runs: a library function by its name, or a notebook's function by its source.

The build draws a notebook's figures and worded tables later, in another kernel, once per
language (:mod:`analysis.build.draw`). A function of the analysis library is found again by
its name (``analysis.report.figures.agenda_figure``). A function a student writes in a
notebook lives in ``__main__``, which that kernel cannot import; so :func:`recipe` keeps
what it needs to be made again: its source (without decorators) and what every global
name it reads stands for (a module, an importable object, another function of the notebook,
or a plain constant). Anything else cannot be replayed (a data frame, the study, a figure
of another cell): :func:`recipe` refuses it in the notebook, at once, and says what to do.

>>> import math
>>> def hypotenuse(a, b):
...     return math.sqrt(a * a + b * b)
>>> hypotenuse.__module__ = "__main__"  # as if a notebook had defined it
>>> made = recipe(hypotenuse, source="def hypotenuse(a, b):\\n    return math.sqrt(a * a + b * b)")
>>> made["globals"]
{'math': {'module': 'math'}}
>>> function(made)(3, 4)
5.0
"""

from __future__ import annotations

import ast
import builtins
import dis
import inspect
import math
import textwrap
import types
from collections.abc import Callable
from importlib import import_module

from analysis.base.errors import UsageError

__all__ = ["NOTEBOOK", "function", "is_notebook_function", "library_function", "name_of", "recipe"]

#: How a record names a function defined in a notebook (its source is in the record).
NOTEBOOK = "notebook"


def name_of(func: Callable) -> str:
    """``module.qualname`` of a library function; the bare name of a notebook's function."""
    if is_notebook_function(func):
        return func.__name__
    return f"{func.__module__}.{func.__qualname__}"


def is_notebook_function(func) -> bool:
    """Whether `func` was defined in a notebook (or a script): in ``__main__``."""
    return isinstance(func, types.FunctionType) and func.__module__ == "__main__"


def library_function(name: str) -> Callable:
    """The public function ``analysis.<module>.<name>`` (nothing outside the library).

    Raises
    ------
    UsageError
        When `name` is not a public function of the analysis library.
    """
    module, _, attr = name.rpartition(".")
    if not module.startswith("analysis.") or not attr.isidentifier() or attr.startswith("_"):
        raise UsageError(f"{name!r} is not a public function of the analysis library")
    try:
        found = getattr(import_module(module), attr, None)
    except ImportError:
        found = None
    if not callable(found):
        raise UsageError(f"{name!r} is not a function of the analysis library")
    return found


def check_replayable(func: Callable, what: str) -> None:
    """Refuse a function the drawing step could not find again, saying what to do instead."""
    if is_notebook_function(func):
        return
    name = getattr(func, "__qualname__", repr(func))
    module = getattr(func, "__module__", None) or "?"
    if module.startswith("analysis.") and "<" not in name:
        library_function(f"{module}.{name}")
        return
    raise UsageError(
        f"{what}: {module}.{name} cannot be drawn again by the build, which replays only "
        "functions of the analysis library and functions defined in a notebook cell with def; "
        "define it in the notebook, or add it to analysis/report/figures.py or tables.py"
    )


def _plain(value) -> bool:
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def _global_names(code: types.CodeType) -> list[str]:
    """The global names `code` reads or writes, nested functions and comprehensions included."""
    names = [
        ins.argval
        for ins in dis.get_instructions(code)
        if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME", "STORE_GLOBAL", "DELETE_GLOBAL")
    ]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names += _global_names(const)
    return list(dict.fromkeys(names))


def _source(func: types.FunctionType, what: str) -> str:
    """The function's own source, without its decorators, as one canonical text."""
    try:
        text = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        raise UsageError(
            f"{what}: the source of {func.__name__} cannot be read; define it with def in a "
            "notebook cell"
        ) from None
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == func.__name__:
            node.decorator_list = []
            return ast.unparse(node) + "\n"
    raise UsageError(f"{what}: {func.__name__} is not defined with def (a lambda cannot be drawn)")


def _importable(value) -> str | None:
    """``module:qualname`` when importing it gives `value` back, else None."""
    module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if not module or not qualname or module == "__main__" or "<" in qualname:
        return None
    try:
        found = import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        return None
    return f"{module}:{qualname}" if found is value else None


def _global(func: types.FunctionType, name: str, what: str, seen: set) -> dict | None:
    """What the global `name` that `func` reads stands for, or None for a builtin or itself."""
    namespace = func.__globals__
    if name not in namespace:
        if hasattr(builtins, name) or name == func.__name__:
            return None
        raise UsageError(f"{what}: {func.__name__} uses {name!r}, which is not defined")
    value = namespace[name]
    if isinstance(value, types.ModuleType):
        return {"module": value.__name__}
    module = getattr(value, "__dict__", {}).get("recorded_module")  # a module it records
    if isinstance(module, types.ModuleType):
        return {"module": module.__name__}
    wrapped = getattr(value, "__wrapped__", None)
    if is_notebook_function(wrapped):
        raise UsageError(
            f"{what}: {func.__name__} calls {name}, which is itself a figure or table of the "
            "paper; call a plain function instead (define it without the decorator)"
        )
    if is_notebook_function(value):
        return None if value is func else {"function": recipe(value, what=what, _seen=seen)}
    target = _importable(value)
    if target is not None:
        return {"object": target}
    if _plain(value):
        return {"value": value}
    raise UsageError(
        f"{what}: {func.__name__} reads the global {name!r} (a {type(value).__name__}), which "
        "the build cannot replay when it draws the output in each language; pass it as an "
        "argument (a table, the study or a plain value), or compute it inside the function"
    )


def recipe(
    func: types.FunctionType,
    what: str | None = None,
    source: str | None = None,
    _seen: set | None = None,
) -> dict:
    """What it takes to make a notebook's function again: its source and its globals.

    Parameters
    ----------
    func : function
        A function defined in a notebook (``__main__``) with ``def``.
    what : str, optional
        How error messages name the output (``"figure 'accounts'"``).
    source : str, optional
        The function's source, when :func:`inspect.getsource` cannot find it.

    Raises
    ------
    UsageError
        When the function reads something the build cannot replay: a free variable of an
        enclosing function, or a global that is not a module, an importable object, a
        function of the notebook or a plain constant. The message says what to do.
    """
    what = what or func.__name__
    if func.__closure__:
        raise UsageError(
            f"{what}: {func.__name__} is defined inside another function and reads its "
            f"variables ({', '.join(func.__code__.co_freevars)}); define it at the top of a cell"
        )
    seen = set() if _seen is None else _seen
    if id(func) in seen:
        raise UsageError(f"{what}: {func.__name__} and another function call each other")
    seen.add(id(func))
    named = {}
    for name in _global_names(func.__code__):
        ref = _global(func, name, what, seen)
        if ref is not None:
            named[name] = ref
    seen.discard(id(func))
    if source is None:
        source = _source(func, what)
    return {"name": func.__name__, "source": source, "globals": named}


def _value(ref: dict):
    if "module" in ref:
        return import_module(ref["module"])
    if "object" in ref:
        module, _, qualname = ref["object"].partition(":")
        found = import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
        return found
    if "function" in ref:
        return function(ref["function"])
    return ref["value"]


def function(made: dict) -> Callable:
    """The function a :func:`recipe` describes, made again in a namespace of its own."""
    namespace = {"__builtins__": builtins, "__name__": "__notebook__"}
    namespace.update({name: _value(ref) for name, ref in made["globals"].items()})
    code = compile(made["source"], f"<notebook function {made['name']}>", "exec")
    exec(code, namespace)  # the notebook's own code, as the notebook ran it
    return namespace[made["name"]]
