"""Raw responses kept under data/raw/snapshots/, exactly as received, and replayed offline.

A collector asks :class:`SnapshotStore` for a document by its request. Online,
the store fetches it, writes the body byte for byte under
``data/raw/snapshots/<source>/<name>``, and records in ``manifest.csv`` the
request (never a secret such as an API key), the time it was retrieved and the
body's SHA-256. Offline, the store answers from the saved file, after checking
that the manifest names the same request and that the file has not changed
since: the same collector code then writes the same rows, with the same
retrieval date, without touching the network.

``manifest.csv`` is one row per file: ``file``, ``request``, ``retrieved``
(UTC, ``YYYY-MM-DDTHH:MM:SSZ``), ``sha256``, and ``final_url``: the address that
answered, after any redirect (the same host, over https), without secrets. A manifest
written before ``final_url`` was kept is read as it is.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from analysis.base.errors import CompendiumError, DataError, Problem, UsageError

from .http import Client

__all__ = ["MANIFEST", "Snapshot", "SnapshotStore"]

#: The manifest's file name and columns.
MANIFEST = "manifest.csv"
_COLUMNS = ("file", "request", "retrieved", "sha256", "final_url")
#: The columns a manifest must have (``final_url`` came later).
_REQUIRED = _COLUMNS[:4]
_SOURCE = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME = re.compile(r"^[A-Za-z0-9_@][A-Za-z0-9_.@-]*(?:/[A-Za-z0-9_@][A-Za-z0-9_.@-]*)*$")
_TIME = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Snapshot:
    """A saved response: its bytes, when it was retrieved, and where it lies."""

    body: bytes
    retrieved: datetime
    path: Path

    @property
    def date(self) -> str:
        """The retrieval day, ``YYYY-MM-DD`` (UTC), as sources cite it."""
        return self.retrieved.strftime("%Y-%m-%d")


class SnapshotStore:
    """The snapshots of one source (``wikidata``, ``youtube``) in a data directory.

    Parameters
    ----------
    data_dir
        The data directory; snapshots go to ``<data_dir>/snapshots/<source>/``.
    source
        A lower-case name.
    offline
        Replay saved snapshots only; never use the network.
    client
        The HTTP client for online use (default :class:`analysis.data.collect.http.Client`).
    now
        The clock (UTC), a seam for tests.
    """

    def __init__(
        self,
        data_dir: str | Path,
        source: str,
        *,
        offline: bool,
        client: Client | None = None,
        now: Callable[[], datetime] | None = None,
    ):
        if not _SOURCE.match(source):
            raise UsageError(f"not a snapshot source name: {source!r}")
        snapshots = Path(data_dir) / "snapshots"
        self.root = snapshots / source
        for folder, inside in ((snapshots, Path(data_dir)), (self.root, snapshots)):
            if folder.is_symlink():
                raise UsageError(f"{folder} is a link; it must be a real folder inside {inside}")
            if folder.exists() and not folder.resolve().is_relative_to(inside.resolve()):
                raise UsageError(f"{folder} leads outside {inside}")
        self.offline = offline
        self._client = client
        self._now = now or (lambda: datetime.now(UTC))
        self._manifest = self._read_manifest()

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def get(
        self,
        name: str,
        url: str,
        params: Mapping[str, str] | None = None,
        *,
        secret: Mapping[str, str] | None = None,
    ) -> Snapshot:
        """The response to ``GET url?params`` saved as `name`: fetched online, replayed offline.

        Parameters
        ----------
        name
            The file under the source's folder (``Q42.json``, ``UC…/videos-p001.json``):
            letters, digits, ``_ . @ -`` and ``/`` between parts; it must stay inside.
        url, params, secret
            The request; `secret` is sent but neither saved nor shown.

        Raises
        ------
        UsageError
            For a name that is not a plain relative path inside the folder.
        analysis.base.errors.CompendiumError
            Offline, when no snapshot of this request was saved, when the file is there
            but ``manifest.csv`` has no row for it (the message gives the row to add),
            or when the file changed.
        analysis.data.collect.http.NetworkError
            Online, when the request fails.
        """
        path = self._path(name)
        request = url + (f"?{urlencode(params)}" if params else "")
        if self.offline:
            return self._replay(name, path, request)
        client = self._client or Client()
        self._client = client
        body = client.get(url, params, secret=secret)
        retrieved = self._now().astimezone(UTC).replace(microsecond=0)
        _write_bytes(path, bytes(body))
        self._manifest[name] = {
            "file": name,
            "request": request,
            "retrieved": retrieved.strftime(_TIME),
            "sha256": hashlib.sha256(body).hexdigest(),
            "final_url": getattr(body, "url", None) or request,
        }
        self._write_manifest()
        return Snapshot(body, retrieved, path)

    def _path(self, name: str) -> Path:
        if not _NAME.match(name or ""):
            raise UsageError(f"not a snapshot file name: {name!r}")
        path = self.root / name
        root = self.root.resolve()
        if not path.resolve().is_relative_to(root):
            raise UsageError(f"snapshot {name!r} would lie outside {self.root}")
        return path

    def _replay(self, name: str, path: Path, request: str) -> Snapshot:
        entry = self._manifest.get(name)
        if entry is None and path.is_file():
            raise CompendiumError(self._unlisted(name, path, request))
        if entry is None or not path.is_file():
            raise CompendiumError(
                f"no saved snapshot of {request} ({path}); collect it once without --offline "
                "(make collect without OFFLINE=1)"
            )
        if entry["request"] != request:
            raise CompendiumError(
                f"{path} answers {entry['request']}, not {request}; collect again without "
                "--offline",
                self.manifest_path,
            )
        body = path.read_bytes()
        if hashlib.sha256(body).hexdigest() != entry["sha256"]:
            raise CompendiumError(
                "changed since it was retrieved (its SHA-256 differs from manifest.csv); "
                "snapshots are kept as received",
                path,
            )
        retrieved = datetime.strptime(entry["retrieved"], _TIME).replace(tzinfo=UTC)
        return Snapshot(body, retrieved, path)

    def _unlisted(self, name: str, path: Path, request: str) -> str:
        """What to do with a snapshot file that the manifest does not list (offline)."""
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        have = "has no row" if self.manifest_path.is_file() else "does not exist, so it has no row"
        header = "" if self.manifest_path.is_file() else f" under the header {','.join(_COLUMNS)}"
        buf = io.StringIO()  # as the manifest writes it: a comma in the request is quoted
        when = "<retrieved: YYYY-MM-DDTHH:MM:SSZ>"
        csv.writer(buf, lineterminator="").writerow([name, request, when, digest, request])
        return (
            f"{path} is there, but {self.manifest_path} {have} for it: --offline (make: OFFLINE=1) "
            "replays only a snapshot the manifest lists, with its request, when it was "
            f"retrieved and its SHA-256. Add the row{header}: "
            f"{buf.getvalue()} "
            "(or collect it once without --offline, which writes both)"
        )

    def _read_manifest(self) -> dict[str, dict[str, str]]:
        path = self.manifest_path
        if not path.is_file():
            return {}
        reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
        if tuple(reader.fieldnames or ()) not in (_COLUMNS, _REQUIRED):
            raise DataError(Problem(path, 1, None, f"the header must be {','.join(_COLUMNS)}"))
        out = {}
        for row in reader:
            line = reader.line_num
            if any(row.get(c) in (None, "") for c in _REQUIRED):
                raise DataError(Problem(path, line, None, "every column needs a value"))
            row["final_url"] = row.get("final_url") or row["request"]
            try:
                datetime.strptime(row["retrieved"], _TIME)
            except ValueError:
                raise DataError(
                    Problem(
                        path, line, "retrieved", f"{row['retrieved']!r} is not YYYY-MM-DDTHH:MM:SSZ"
                    )
                ) from None
            out[row["file"]] = {c: row[c] for c in _COLUMNS}
        return out

    def _write_manifest(self) -> None:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, _COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self._manifest[k] for k in sorted(self._manifest))
        _write_bytes(self.manifest_path, buf.getvalue().encode("utf-8"))


def _write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
