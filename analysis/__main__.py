"""The command line: ``python -m analysis <command>`` (also installed as ``dpd``).

Every error of the library (:class:`analysis.base.errors.CompendiumError`), of the file
system, of YAML, of pandoc and of Typst is printed as one line naming the file, record
and field, with exit status 2 and no traceback.

Each command imports what it needs when it runs (the lazy imports below): ``validate``
should not wait for papermill, matplotlib or Dask to load.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from analysis.base.errors import CompendiumError, UsageError
from analysis.base.files import remove_pending, write_atomic
from analysis.base.paths import BUILD_DIR, DATA_DIR
from analysis.data.codebook import LANGUAGES

#: Exit status of a command that failed on its input (argparse uses 2 for bad usage too).
EXIT_ERROR = 2


def _validate(args) -> int:
    from analysis.core import replication  # lazy: start-up time (see the module's docstring)
    from analysis.data import exports, load  # lazy: start-up time

    tables = load.load_all(args.data_dir)
    replication.check_claims(args.data_dir)
    have = load.countries_with_data(args.data_dir)
    posts = exports.posts(have, args.data_dir)  # every export read: whose posts, how many
    rows = sum(len(df) for df in tables.values())
    listed = f", {len(tables['exports'])} exports, {len(posts)} posts" if len(posts) else ""
    print(
        f"{args.data_dir}: valid ({len(tables)} tables, {rows} rows{listed}); "
        f"countries with data: {', '.join(have)}"
    )
    for note in posts.attrs.get("notes", []):
        print(f"note: {note}")
    return 0


def _data(args) -> int:
    from analysis.data import processed  # lazy: start-up time

    paths = processed.write_processed(args.out, args.data_dir)
    print(f"wrote {len(paths)} files to {args.out}")
    return 0


def _paper(args) -> int:
    from analysis.build import paper  # lazy: start-up time
    from analysis.data import countries, load  # lazy: start-up time

    load.check_pair(*countries.parse_pair(args.pair), args.data_dir)  # fail fast, no papermill
    paper.source_date_epoch(args.data_dir)  # a bad SOURCE_DATE_EPOCH, before the notebooks
    paper.build(
        args.pair, lang=args.lang, data_dir=args.data_dir, root=args.build_dir, jobs=args.jobs
    )
    return 0


def _panel(args) -> int:
    from analysis.build import paper  # lazy: start-up time

    paper.source_date_epoch(args.data_dir)  # a bad SOURCE_DATE_EPOCH, before the notebook
    paper.build_panel(args.countries, args.lang, args.data_dir, root=args.build_dir)
    return 0


def _results(args) -> int:
    from analysis.build import paper  # lazy: start-up time

    paper.source_date_epoch(args.data_dir)  # a bad SOURCE_DATE_EPOCH, before the notebooks
    paper.compute(args.pair, data_dir=args.data_dir, root=args.build_dir, jobs=args.jobs)
    return 0


def _draw(args) -> int:
    from analysis.build import paper  # lazy: start-up time

    languages = tuple(args.lang) if args.lang else LANGUAGES
    paper.draw(args.pair, languages, args.data_dir, root=args.build_dir)
    return 0


def _assemble(args) -> int:
    from analysis.build import paper  # lazy: start-up time

    paper.assemble_paper(args.pair, args.lang, args.data_dir, root=args.build_dir)
    return 0


def _check_data(args) -> int:
    from analysis.data import provenance  # lazy: start-up time

    print(provenance.completeness_report(args.data_dir))
    return 0


def _country(args) -> int:
    from analysis.data import scaffold  # lazy: start-up time

    added = scaffold.add_country(
        args.iso, args.data_dir, name_en=args.name_en, name_es=args.name_es
    )
    for path, n in added.items():
        print(f"added {n} empty rows to {path}")
    print()
    print(scaffold.protocol_checklist(args.data_dir))
    return 0


def _reading(args) -> int:
    from analysis.data import readings  # lazy: start-up time

    out = readings.write(args.data_dir, args.readings, args.out)
    print(f"wrote {out}: {args.data_dir} under {', '.join(args.readings)}")
    return 0


def _datapackage(args) -> int:
    from analysis.data import datapackage  # lazy: start-up time

    text = datapackage.to_json(args.data_dir)
    target = Path(args.data_dir) / "datapackage.json"
    if args.write:
        write_atomic(target, text)
        print(f"wrote {target}")
    else:
        print(text, end="")
    return 0


def _check_code_args(args) -> None:
    """Refuse a country without data or a role outside the codebook, before anything is read.

    Where the output may go is the library's to check (:mod:`analysis.core.archive`), for both
    forms of --out: never an input nor inside one, never a directory it did not write.
    """
    from analysis.data import codebook, load  # lazy: start-up time

    if args.country is not None:
        have = load.countries_with_data(args.data_dir)
        if args.country not in have:
            raise UsageError(
                f"--country {args.country!r} has no data in {args.data_dir}; "
                f"countries with data: {', '.join(have)}"
            )
    if args.role is not None:
        roles = codebook.categories("roles", args.data_dir)
        if args.role not in roles:
            raise UsageError(f"--role {args.role!r} is not a role (roles: {', '.join(roles)})")


def _code(args) -> int:
    from analysis.core import archive  # lazy: start-up time (pyarrow, Dask)
    from analysis.data.read import read_table  # lazy: start-up time

    _check_code_args(args)
    inputs = _once(args.inputs)
    options = {
        "fmt": args.format,
        "country": args.country,
        "role": args.role,
        "platform": args.platform,
        # the countries' own handles: an answer to one of them is internal, not the public
        "government": read_table("accounts", args.data_dir),
        "data_dir": args.data_dir,
    }
    # FILE.parquet or FILE.csv: one table in memory; anything else: a dataset, by partition
    if args.out.suffix.lower() in archive.FILE_FORMATS:
        if args.dask:
            raise UsageError(f"--dask writes a dataset: give --out a directory, not {args.out}")
        print(f"coding {', '.join(map(str, inputs))} in memory ...", file=sys.stderr)
        result = archive.code_file(inputs, args.out, **options)
        what = f"{result.posts} coded posts to {result.out}"
    else:
        result = archive.code_archive(inputs, args.out, dask=args.dask, **options)
        what = (
            f"{result.posts} coded posts of {len(result.levels)} accounts to {result.out} "
            f"({result.files} files; the levels also in {archive.LEVELS_FILE})"
        )
    if result.repeated:
        print(
            f"note: {result.repeated} posts appear more than once in the inputs "
            "(same platform, post id and author); each was coded once",
            file=sys.stderr,
        )
    columns = [
        "account",
        "posts",
        "reply_share",
        "level",
        "conversation_rate",
        "amplification_rate",
        "applause_rate",
    ]
    print(f"wrote {what}")
    print(result.levels[columns].to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    return 0


def _once(paths: list[Path]) -> list[Path]:
    """The inputs with each file or folder once (the first time it is given), with a note."""
    seen, kept = set(), []
    for path in paths:
        key = path.resolve()
        if key in seen:
            print(f"note: {path} is given twice; it is read once", file=sys.stderr)
            continue
        seen.add(key)
        kept.append(path)
    return kept


def _collect(args) -> int:
    from analysis.data import collect  # lazy: start-up time
    from analysis.data.collect import bluesky, mastodon, wikidata, youtube  # lazy: start-up time

    collector = {
        "wikidata": wikidata,
        "youtube": youtube,
        "bluesky": bluesky,
        "mastodon": mastodon,
    }[args.source]
    done = collector.collect(args.iso, args.data_dir, offline=args.offline)
    print(collect.format_report(done))
    return 0


class _FormatsHelp(str):
    """The help of --format, naming the formats only when help is printed (they need pandas)."""

    def __mod__(self, params) -> str:
        from analysis.data.importers import FORMATS  # lazy: only `--help` needs it

        return f"the format of export files (not Parquet): {', '.join(FORMATS)}"


def _export_format(name: str) -> str:
    """An export format the importers know (imported only when one is asked for)."""
    from analysis.data.importers import FORMATS  # lazy: start-up time (pandas)

    if name not in FORMATS:
        raise argparse.ArgumentTypeError(f"{name!r} is not one of {', '.join(FORMATS)}")
    return name


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
    p.add_argument(
        "--out",
        type=Path,
        default=Path("data/processed"),
        help="a new folder, or one this command wrote before (default: data/processed)",
    )
    p.set_defaults(func=_data)

    def pair_options(p, lang: str | None) -> None:
        p.add_argument(
            "--pair", default=None, help="two ISO codes, e.g. MEX-CHL (default: paper/paper.yml)"
        )
        if lang == "one":
            p.add_argument("--lang", default="en", choices=LANGUAGES)
        elif lang == "many":
            p.add_argument(
                "--lang", action="append", choices=LANGUAGES, help="a language (default: all)"
            )
        p.add_argument(
            "--build-dir", type=Path, default=BUILD_DIR, help="where builds go (default: build)"
        )

    def jobs_option(p) -> None:
        p.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="how many notebooks or languages at once (default: make's -j, else the cores)",
        )

    p = sub.add_parser("paper", help="build a pair's paper: results, drawings, assembly")
    pair_options(p, "one")
    jobs_option(p)
    p.set_defaults(func=_paper)

    p = sub.add_parser("panel", help="the report on a panel of countries (HTML and PDF)")
    p.add_argument(
        "--countries", nargs="+", required=True, help="two or more ISO codes, e.g. MEX CHL ARG"
    )
    p.add_argument("--lang", default="en", choices=LANGUAGES)
    p.add_argument(
        "--build-dir", type=Path, default=BUILD_DIR, help="where builds go (default: build)"
    )
    p.set_defaults(func=_panel)

    p = sub.add_parser(
        "results", help="run the notebooks (a pair's results) and draw each in every language"
    )
    pair_options(p, None)
    jobs_option(p)
    p.set_defaults(func=_results)

    p = sub.add_parser("draw", help="redraw a pair's figures and worded tables (new labels)")
    pair_options(p, "many")
    p.set_defaults(func=_draw)

    p = sub.add_parser("assemble", help="fill the template in a language; write HTML and PDF")
    pair_options(p, "one")
    p.set_defaults(func=_assemble)

    p = sub.add_parser("check-data", help="report per country how complete the data are")
    p.set_defaults(func=_check_data)

    p = sub.add_parser("country", help="add empty rows for a new country and print the protocol")
    p.add_argument("iso", help="ISO 3166-1 alpha-3 code, e.g. ARG")
    p.add_argument("--name-en", default=None, help="the country's name in English")
    p.add_argument("--name-es", default=None, help="the country's name in Spanish")
    p.set_defaults(func=_country)

    p = sub.add_parser(
        "reading",
        help="write a copy of the data under named alternative readings (readings.csv)",
        description="Write a copy of the data directory with the alternative readings of "
        "readings.csv applied (never data/raw itself): make paper READING=<name> builds "
        "the paper from it.",
    )
    p.add_argument("readings", nargs="+", help="names of readings.csv's readings")
    p.add_argument("--out", required=True, help="a new folder, or one this command wrote")
    p.set_defaults(func=_reading)

    p = sub.add_parser(
        "datapackage", help="print (or --write) data/raw/datapackage.json from the codebook"
    )
    p.add_argument("--write", action="store_true", help="write it beside the data")
    p.set_defaults(func=_datapackage)

    p = sub.add_parser(
        "code",
        help="code exports or a Parquet archive; write Parquet; print the account levels",
        description="Code posts (kind, level, topics) and level their accounts. With --out "
        "FILE.parquet (or FILE.csv, for a spreadsheet) the posts are coded in memory into one "
        "file; with --out DIR they are coded partition by partition (bounded memory) into a "
        "Parquet dataset partitioned by country and account, optionally on a Dask cluster. "
        "The output columns, of the coded posts and of the account levels, are tabled in "
        "data/raw/CODEBOOK.md, 'Coded posts'. --out is "
        "a new path or one this command wrote before, never an input nor data/raw.",
    )
    p.add_argument(
        "inputs",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="export files, Parquet files in the posts schema, or directories of them",
    )
    p.add_argument("--format", type=_export_format, help=_FormatsHelp("the export format"))
    p.add_argument(
        "--country",
        type=str.upper,
        help="ISO code of the exports' accounts' country (fills Parquet that lacks it)",
    )
    p.add_argument("--role", help="the institution's role (codebook roles), as --country")
    p.add_argument(
        "--platform",
        default=None,
        help="the platform where the format does not say it (meta_csv: facebook or instagram)",
    )
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        help="FILE.parquet or FILE.csv (coded in memory) or DIR (a dataset, coded partition "
        "by partition)",
    )
    p.add_argument(
        "--dask",
        metavar="ADDRESS|local",
        help="code the partitions on a Dask cluster: 'local' starts one on this machine, or "
        "a scheduler's address such as tcp://10.0.0.5:8786 (inputs and --out on a file "
        "system every worker sees)",
    )
    p.set_defaults(func=_code)

    p = sub.add_parser(
        "collect",
        help="collect a country's values from Wikidata, the YouTube Data API, Bluesky or "
        "Mastodon into data/raw",
    )
    p.add_argument(
        "source",
        choices=["wikidata", "youtube", "bluesky", "mastodon"],
        help="where to collect from (bluesky: the public AppView; mastodon: each account's "
        "server; neither needs an account or key)",
    )
    p.add_argument("iso", type=str.upper, help="ISO 3166-1 alpha-3 code, e.g. ARG")
    p.add_argument(
        "--offline",
        action="store_true",
        help="replay the responses saved under data/raw/snapshots/; never touch the network",
    )
    p.set_defaults(func=_collect)
    return parser


def _one_line(exc: BaseException) -> str:
    """What went wrong, for a person: the library's own message, or the file and the cause."""
    import yaml  # lazy: start-up time

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
    remove_pending()
    print("error: terminated; the previous outputs are untouched", file=sys.stderr, flush=True)
    os._exit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    import yaml  # lazy: start-up time

    signal.signal(signal.SIGTERM, _terminate)
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "pair", "") is None:  # the default pair is set in one place
            from analysis.data.countries import default_pair  # lazy: start-up time

            args.pair = "-".join(default_pair())
        return args.func(args)
    except (CompendiumError, OSError, yaml.YAMLError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("error: interrupted; nothing half-written was left", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
