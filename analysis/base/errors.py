"""One error family: every problem the library reports about its inputs derives from
:class:`CompendiumError`.

An error says *where* the problem is (file, line, column) when it knows, so a reader
can open the file and fix it; the command line catches the base class and prints
one line, never a traceback. Errors survive pickling (papermill, multiprocessing and
Dask send them between processes) with every attribute intact.

>>> import pickle
>>> err = DataError([Problem("data/raw/accounts.csv", 5, "followers", "'abc' is not a count")])
>>> str(pickle.loads(pickle.dumps(err)))
"data/raw/accounts.csv: line 5, column 'followers': 'abc' is not a count"
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BuildError",
    "CompendiumError",
    "DataError",
    "ExportFormatError",
    "NetworkError",
    "Problem",
    "TemplateError",
    "UnknownCountryError",
    "UsageError",
    "location",
    "shown",
]

#: At most this many problems are listed in a message (``problems`` keeps them all).
MAX_REPORTED = 25


def location(path=None, line: int | None = None, column: str | None = None) -> str:
    """``"file: line 3, column 'x'"``, leaving out what is not known."""
    parts = [str(path)] if path is not None else []
    where = []
    if line is not None:
        where.append(f"line {line}")
    if column is not None:
        where.append(f"column '{column}'")
    if where:
        parts.append(", ".join(where))
    return ": ".join(parts)


def shown(value: object, *, code: bool = False) -> str:
    """`value` quoted for a message, with every character that could fool a reader escaped.

    Invisible and control characters are always escaped (``'a\\u200bb'``). A `code` (an
    ISO code, a category, a number, a date) is ASCII by definition, so every other
    character of it is escaped too: a Cyrillic ``М`` that looks like ``M`` shows as
    ``\\u041c``.

    A value longer than 60 characters is cut, saying how long it was.

    >>> print(shown("MEX"), shown("\u041cEX", code=True), shown("@sre\u200b"))
    'MEX' '\\u041cEX' '@sre\\u200b'
    >>> print(shown("Q" + "9" * 300, code=True))
    'Q99999999999999999999999999999999999999999999999999999999999'... (301 characters)
    """
    text = str(value)
    quoted = ascii(text[:60]) if code else repr(text[:60])
    return quoted if len(text) <= 60 else f"{quoted}... ({len(text)} characters)"


def _restore(cls, args, state):
    err = cls.__new__(cls)
    Exception.__init__(err, *args)
    err.__dict__.update(state)
    return err


class CompendiumError(Exception):
    """Base of every error the library raises about its inputs or its use.

    Parameters
    ----------
    message : str
        What is wrong, in a few words.
    path, line, column : optional
        Where it is: the file, the line (1-based, as an editor counts) and the column.
    """

    def __init__(self, message: str, path=None, line: int | None = None, column=None):
        super().__init__(message)
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column

    def __reduce__(self):
        # The subclasses' constructors differ; rebuild from the state, not from args.
        return (_restore, (type(self), self.args, dict(self.__dict__)))

    @property
    def where(self) -> str:
        return location(self.path, self.line, self.column)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(frozen=True)
class Problem:
    """One bad cell, row or file of a data directory."""

    path: str | Path | None
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = location(self.path, self.line, self.column)
        return f"{where}: {self.message}" if where else self.message


class DataError(CompendiumError):
    """Invalid data: ``problems`` lists every problem found (file, line, column, what).

    The loader collects all problems of all files before raising, so one run of
    ``make validate`` lists them all.
    """

    def __init__(self, problems: list[Problem] | Problem):
        problems = [problems] if isinstance(problems, Problem) else list(problems)
        first = problems[0] if problems else Problem(None, None, None, "invalid data")
        super().__init__(first.message, first.path, first.line, first.column)
        self.problems = problems

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        shown = self.problems[:MAX_REPORTED]
        text = "\n".join(f"  - {p}" for p in shown)
        more = len(self.problems) - len(shown)
        if more:
            text += f"\n  ... and {more} more"
        return f"invalid data ({len(self.problems)} problems):\n{text}"


class UsageError(CompendiumError):
    """A command was asked for something it cannot do: a malformed pair, a bad path."""


class UnknownCountryError(UsageError):
    """A country was asked for that has no data; ``available`` lists those that have."""

    def __init__(self, message: str, country: str = "", available: tuple[str, ...] = ()):
        super().__init__(message)
        self.country = country
        self.available = tuple(available)


class ExportFormatError(CompendiumError):
    """A record of a platform export does not have the form its format documents.

    Parameters
    ----------
    path
        The file being read.
    record
        Where the record is: e.g. ``"line 3"``, ``"line 2, data[14]"``, ``"row 7"``.
    field
        The field that is wrong or missing (dotted path), or ``None`` for the
        record as a whole.
    problem
        What is wrong, in a few words.
    """

    def __init__(self, path, record: str, field: str | None, problem: str):
        super().__init__(problem, path, None, field)
        self.record = record
        self.field = field
        self.problem = problem

    @property
    def where(self) -> str:
        where = f"{self.path}, {self.record}"
        return where + (f", field '{self.field}'" if self.field else "")


class TemplateError(CompendiumError):
    """The paper's template or a text file names something the build did not record."""


class BuildError(CompendiumError):
    """A step of the paper build failed: a notebook, pandoc or Typst (named in the message)."""


class NetworkError(CompendiumError):
    """A request of a collector failed: the host could not be reached, or answered with an error.

    ``status`` is the HTTP status where there was an answer, else ``None``;
    ``url`` is the address without any secret parameter.
    """

    def __init__(self, message: str, url: str, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status
