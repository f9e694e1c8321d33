"""The command line: ``python -m analysis <command>`` (also installed as ``dpd``).

Every error of the library (:class:`analysis.errors.CompendiumError`), of the file
system, of YAML and of the renderers is printed as one line naming the file, record
and field, with exit status 2 and no traceback.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import sys
from pathlib import Path

from analysis.errors import CompendiumError, UsageError
from analysis.importers import FORMATS
from analysis.paths import BUILD_DIR, DATA_DIR

#: Exit status of a command that failed on its input (argparse uses 2 for bad usage too).
EXIT_ERROR = 2


def _validate(args) -> int:
    from analysis import load

    tables = load.load_all(args.data_dir)
    rows = sum(len(df) for df in tables.values())
    print(
        f"{args.data_dir}: valid ({len(tables)} tables, {rows} rows); "
        f"countries with data: {', '.join(load.countries_with_data(args.data_dir))}"
    )
    return 0


def _data(args) -> int:
    from analysis import load

    paths = load.write_processed(args.out, args.data_dir)
    print(f"wrote {len(paths)} files to {args.out}")
    return 0


def _paper(args) -> int:
    from analysis import load, paper

    load.check_pair(*paper.parse_pair(args.pair), args.data_dir)  # fail fast, before papermill
    paper.build(args.pair, lang=args.lang, data_dir=args.data_dir, root=args.build_dir)
    return 0


def _check_data(args) -> int:
    from analysis import scaffold

    print(scaffold.completeness_report(args.data_dir))
    return 0


def _country(args) -> int:
    from analysis import scaffold

    added = scaffold.add_country(
        args.iso, args.data_dir, name_en=args.name_en, name_es=args.name_es
    )
    for path, n in added.items():
        print(f"added {n} empty rows to {path}")
    print()
    print(scaffold.protocol_checklist(args.data_dir))
    return 0


def _datapackage(args) -> int:
    from analysis import datapackage
    from analysis.files import write_atomic

    text = datapackage.render(args.data_dir)
    target = Path(args.data_dir) / "datapackage.json"
    if args.write:
        write_atomic(target, text)
        print(f"wrote {target}")
    else:
        print(text, end="")
    return 0


def _check_code_args(args) -> None:
    """Refuse what would lose data or code the wrong account, before anything is read.

    The output must not be an input (nor hold one), nor an existing directory; the
    country must have data and the role be a codebook role.
    """
    from analysis import codebook, load

    out = Path(args.out)
    if out.is_dir():
        raise UsageError(f"--out {out} is a directory; give the file to write (e.g. coded.parquet)")
    export = Path(args.export)
    if out.resolve() == export.resolve() or (out.exists() and out.samefile(export)):
        raise UsageError(f"--out {out} is the export itself; it would be overwritten")
    if out.suffix.lower() != ".parquet":
        raise UsageError(f"--out {out} must end in .parquet")
    have = load.countries_with_data(args.data_dir)
    if args.country not in have:
        raise UsageError(
            f"--country {args.country!r} has no data in {args.data_dir}; "
            f"countries with data: {', '.join(have)}"
        )
    roles = codebook.categories("roles", args.data_dir)
    if args.role not in roles:
        raise UsageError(f"--role {args.role!r} is not a role (roles: {', '.join(roles)})")


def _code(args) -> int:
    from analysis import coding
    from analysis.files import write_atomic
    from analysis.importers import reader

    _check_code_args(args)
    print(f"reading {args.export} ({args.format}) ...", file=sys.stderr)
    extra = {"platform": args.platform} if args.platform else {}
    posts = reader(args.format)(args.export, country=args.country, role=args.role, **extra)
    print(f"coding {len(posts)} posts ...", file=sys.stderr)
    coded = coding.code_posts(posts)
    buffer = io.BytesIO()
    coded.to_parquet(buffer, index=False)
    write_atomic(Path(args.out), buffer.getvalue())
    levels = coding.account_levels(coded, source=str(args.export))
    shown = levels[
        [
            "account",
            "posts",
            "reply_share",
            "level",
            "conversation_rate",
            "amplification_rate",
            "applause_rate",
        ]
    ]
    print(f"wrote {len(coded)} coded posts to {args.out}")
    print(shown.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Digital public diplomacy compendium: "
        "rerun Benayas (2021) for any pair of countries.",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DATA_DIR,
        help="the raw data directory (default: data/raw)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="validate data/raw against the codebook")
    p.set_defaults(func=_validate)

    p = sub.add_parser("data", help="validate data/raw and write data/processed")
    p.add_argument("--out", type=Path, default=Path("data/processed"))
    p.set_defaults(func=_data)

    p = sub.add_parser("paper", help="run the notebooks and build the paper for a pair")
    p.add_argument("--pair", default="MEX-CHL", help="two ISO codes, e.g. MEX-CHL")
    p.add_argument("--lang", default="en", choices=["en", "es"])
    p.add_argument(
        "--build-dir", type=Path, default=BUILD_DIR, help="where builds go (default: build)"
    )
    p.set_defaults(func=_paper)

    p = sub.add_parser("check-data", help="report per country how complete the data are")
    p.set_defaults(func=_check_data)

    p = sub.add_parser("country", help="add empty rows for a new country and print the protocol")
    p.add_argument("iso", help="ISO 3166-1 alpha-3 code, e.g. ARG")
    p.add_argument("--name-en", default=None, help="the country's name in English")
    p.add_argument("--name-es", default=None, help="the country's name in Spanish")
    p.set_defaults(func=_country)

    p = sub.add_parser(
        "datapackage", help="print (or --write) data/raw/datapackage.json from the codebook"
    )
    p.add_argument("--write", action="store_true", help="write it beside the data")
    p.set_defaults(func=_datapackage)

    p = sub.add_parser(
        "code", help="code an export's posts; write Parquet; print the account levels"
    )
    p.add_argument("export", type=Path, help="the export file")
    p.add_argument("--format", required=True, choices=FORMATS)
    p.add_argument(
        "--country", required=True, type=str.upper, help="ISO code of the account's country"
    )
    p.add_argument("--role", required=True, help="the institution's role (codebook roles)")
    p.add_argument(
        "--platform",
        default=None,
        help="the platform where the format does not say it (meta_csv: facebook or instagram)",
    )
    p.add_argument(
        "--out", type=Path, required=True, help="where to write the coded posts (.parquet)"
    )
    p.set_defaults(func=_code)
    return parser


def _one_line(exc: BaseException) -> str:
    """What went wrong, for a person: the library's own message, or the file and the cause."""
    import yaml

    if isinstance(exc, CompendiumError):
        return str(exc)
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    if isinstance(exc, yaml.YAMLError):
        return f"not valid YAML: {str(exc).splitlines()[0]}"
    return str(exc)


def _terminate(signum, frame) -> None:
    """SIGTERM: remove the temporaries being written and stop at once.

    Outputs only replace their targets when complete, so the previous paper stays whole;
    raising an exception instead could land in a finaliser and be ignored.
    """
    from analysis.files import remove_pending

    remove_pending()
    print("error: terminated; the previous outputs are untouched", file=sys.stderr, flush=True)
    os._exit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    import yaml

    signal.signal(signal.SIGTERM, _terminate)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CompendiumError, OSError, yaml.YAMLError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("error: interrupted; nothing half-written was left", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
