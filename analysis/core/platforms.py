"""Which platforms each institution uses, and which are still to check.

Tabla 1 of the article lists every platform of every institution, so a platform with
no account row is checked absent; a row with ``present`` empty (as ``make country``
writes them) is a platform not yet looked at, unknown rather than absent. The
presence index counts over checked platforms only, so a country half filled in is
not less present than one complete (:mod:`analysis.core.compare` compares it,
:mod:`analysis.core.panel` ranks it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data import codebook

__all__ = ["platforms_by_institution", "unchecked_platforms"]


def unchecked_platforms(study) -> dict[tuple[str, str], set[str]]:
    """Per (country, role), the platforms whose account rows are not yet checked.

    A row with ``present`` empty is a platform still to look at; a platform with no row at
    all is checked absent (a publication's complete list, as Tabla 1 is, or a person's
    ``false``). Works on a :class:`~analysis.data.load.Study` or a ``Panel``.
    """
    rows = study.accounts_all
    acc = study.accounts
    used = set(zip(acc["country"], acc["role"], acc["platform"], strict=True))
    out: dict[tuple[str, str], set[str]] = {}
    for r in rows.loc[rows["present"].isna(), ["country", "role", "platform"]].itertuples(
        index=False
    ):
        if (r.country, r.role, r.platform) not in used:
            out.setdefault((r.country, r.role), set()).add(r.platform)
    return out


def platforms_by_institution(study) -> pd.DataFrame:
    """Platforms in use per institution: a descriptive table, one row per institution.

    Columns: country, role, name, platforms (all platforms, core and other),
    core_platforms, core_checked (the core platforms checked, present or absent),
    presence_index (share of the checked core platforms in use: unknown, not zero,
    while none is checked), platform_list. An institution without accounts has 0
    platforms. Works on a :class:`~analysis.data.load.Study` or a ``Panel``.
    """
    core = set(codebook.core_platforms(study.data_dir))
    order = {p: i for i, p in enumerate(codebook.categories("platforms", study.data_dir))}
    roles = {r: i for i, r in enumerate(codebook.categories("roles", study.data_dir))}
    used: dict[tuple, set] = {}
    for acc in study.accounts[["country", "role", "platform"]].dropna().itertuples(index=False):
        used.setdefault((acc.country, acc.role), set()).add(acc.platform)
    todo = unchecked_platforms(study)
    rows = []
    for inst in study.institutions.itertuples(index=False):
        plats = used.get((inst.country, inst.role), set())
        checked = len(core - todo.get((inst.country, inst.role), set()))
        rows.append(
            {
                "country": inst.country,
                "role": inst.role,
                "name": inst.name,
                "platforms": len(plats),
                "core_platforms": len(plats & core),
                "core_checked": checked,
                "presence_index": len(plats & core) / checked if checked else np.nan,
                "platform_list": ", ".join(sorted(plats, key=order.get)),
            }
        )
    columns = ["country", "role", "name", "platforms", "core_platforms", "core_checked"]
    df = pd.DataFrame(rows, columns=[*columns, "presence_index", "platform_list"])
    countries = list(getattr(study, "pair", None) or getattr(study, "codes", []))
    df["_c"] = df["country"].map({c: i for i, c in enumerate(countries)})
    df["_r"] = df["role"].map(roles)
    return df.sort_values(["_c", "_r"]).drop(columns=["_c", "_r"]).reset_index(drop=True)
