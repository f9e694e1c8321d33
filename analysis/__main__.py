"""The command line: ``python -m analysis <command>`` (also installed as ``dpd``).

Every error of the library (:class:`analysis.errors.CompendiumError`), of the file
system, of YAML and of the renderers is printed as one line naming the file, record
and field, with exit status 2 and no traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.errors import CompendiumError
from analysis.importers import FORMATS
from analysis.paths import DATA_DIR

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
    paper.build(args.pair, lang=args.lang, data_dir=args.data_dir)
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
    from analysis.record import write_atomic

    text = datapackage.render(args.data_dir)
    target = Path(args.data_dir) / "datapackage.json"
    if args.write:
        write_atomic(target, text)
        print(f"wrote {target}")
    else:
        print(text, end="")
    return 0


def _code(args) -> int:
    from analysis import coding
    from analysis.importers import reader

    print(f"reading {args.export} ({args.format}) ...", file=sys.stderr)
    posts = reader(args.format)(args.export, country=args.country, role=args.role)
    print(f"coding {len(posts)} posts ...", file=sys.stderr)
    coded = coding.code_posts(posts)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    coded.to_parquet(tmp, index=False)
    tmp.replace(out)
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
    print(f"wrote {len(coded)} coded posts to {out}")
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
    p.add_argument("--country", required=True, help="ISO code of the account's country")
    p.add_argument("--role", required=True, help="the institution's role (codebook roles)")
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


def main(argv: list[str] | None = None) -> int:
    import yaml

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CompendiumError, OSError, yaml.YAMLError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
