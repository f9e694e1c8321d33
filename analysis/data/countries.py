"""Country codes: the one check of an ISO 3166-1 alpha-3 code, and a country's names.

Every command, file and make variable that names a country goes through :func:`iso3`
(a code typed by a person: any case) or :func:`is_assigned` (a code of data/raw:
capitals, and assigned by ISO, as pycountry lists them).

>>> iso3(" mex "), parse_pair("mex-chl")
('MEX', ('MEX', 'CHL'))
>>> is_assigned("MEX"), is_assigned("XYZ")
(True, False)
>>> names("PER")
('Peru', 'Perú')
"""

from __future__ import annotations

import gettext
import re

import pycountry

from analysis.base.errors import UsageError
from analysis.base.paths import SETTINGS_FILE

__all__ = ["PATTERN", "default_pair", "is_assigned", "iso3", "names", "parse_pair"]

#: The shape of a code: three capital letters.
PATTERN = re.compile(r"[A-Z]{3}")


def is_assigned(code: str) -> bool:
    """Whether `code` is three capitals that ISO 3166-1 assigns to a country (pycountry)."""
    return bool(PATTERN.fullmatch(code or "")) and pycountry.countries.get(alpha_3=code) is not None


def iso3(code: str) -> str:
    """A code a person typed, as data/raw writes it: stripped, upper case, three letters.

    Raises
    ------
    analysis.base.errors.UsageError
        When it is not three letters (the message shows it escaped).
    """
    text = str(code or "").strip().upper()
    if not PATTERN.fullmatch(text):
        raise UsageError(
            f"{str(code)!r} is not an ISO 3166-1 alpha-3 code (three letters, e.g. ARG)"
        )
    return text


def parse_pair(pair: str) -> tuple[str, str]:
    """``"MEX-CHL"`` (any case) -> ``("MEX", "CHL")``."""
    parts = str(pair or "").strip().split("-")
    if len(parts) != 2 or not all(PATTERN.fullmatch(p.strip().upper()) for p in parts):
        raise UsageError(
            f"a pair is two ISO 3166-1 alpha-3 codes joined by '-', e.g. MEX-CHL; got {pair!r}"
        )
    return iso3(parts[0]), iso3(parts[1])


def default_pair(settings=SETTINGS_FILE) -> tuple[str, str]:
    """The pair ``make paper`` builds and the notebooks open with: ``pair`` of paper/paper.yml.

    >>> len(default_pair())
    2
    """
    import yaml  # lazy: start-up time

    from analysis.base import yaml_io  # lazy: start-up time (it imports yaml)

    try:
        with open(settings, encoding="utf-8") as fh:
            pair = (yaml_io.safe_load(fh) or {}).get("pair")
    except (OSError, yaml.YAMLError, AttributeError) as exc:
        raise UsageError(f"{settings}: no default pair ({type(exc).__name__})") from None
    try:
        return parse_pair(pair)
    except UsageError as exc:
        raise UsageError(f"{settings}, pair: {exc}") from None


def names(code: str) -> tuple[str, str]:
    """The English and Spanish names of an assigned code (pycountry's data and translations).

    Raises
    ------
    analysis.base.errors.UsageError
        When the code is not one ISO assigns.
    """
    code = iso3(code)
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        raise UsageError(f"{code!r} is not an ISO 3166-1 alpha-3 code")
    name = getattr(country, "common_name", None) or country.name
    spanish = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=["es"], fallback=True
    )
    return name, spanish.gettext(country.name)
