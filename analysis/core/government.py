"""Answers inside government: which replies go to an account of the same country.

A referee asked that interaction mean the public. A ministry that answers its own
embassy, the presidency or another ministry coordinates inside the government; the
coder (:func:`analysis.core.coding.code_posts`) gives such an answer the kind
``internal`` instead of ``reply``. An answered account is the country's own when its
handle, or its platform id, is one of the country's handles in ``accounts.csv`` on the
post's platform (any institution, any role). Handles and ids are compared by
:func:`account_key`: NFC, lower case, without a leading ``@``.

Only the answers to other accounts are compared (a few per cent of an archive), in
Arrow: about 0.1 s for the 120,000 answers of a million posts
(``benchmarks/bench_coding.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["account_key", "answers_government"]

_SEP = pa.scalar("\x1f", type=pa.large_string())
_EMPTY = pa.scalar("", type=pa.large_string())


def account_key(handle: pd.Series) -> pd.Series:
    """Handles (or ids) as they are compared: NFC, lower case, no leading ``@``.

    >>> account_key(pd.Series(["@SRE_mx", "Cancilleria@Mastodon.Social", "did:plc:Ab"])).tolist()
    ['sre_mx', 'cancilleria@mastodon.social', 'did:plc:ab']
    """
    arr = _key(_strings(handle))
    return pd.Series(pd.array(arr.to_pylist(), dtype="string"), index=handle.index)


def answers_government(
    country: pa.Array,
    platform: pa.Array,
    answered: Sequence[pa.Array],
    government: pd.DataFrame | None,
) -> np.ndarray:
    """True for each answer whose answered account is one of its country's own.

    Parameters
    ----------
    country, platform
        Of each answer (Arrow strings).
    answered
        Ways of naming each answer's answered account, compared in turn: its handle, its id.
    government
        The accounts of ``accounts.csv`` (``country``, ``platform``, ``handle``); None or
        empty: no answer is inside government (the country's handles are not known).

    Raises
    ------
    ValueError
        When `government` lacks one of the three columns.
    """
    found = np.zeros(len(country), dtype=bool)
    if government is None or not len(government) or not len(country):
        return found
    missing = {"country", "platform", "handle"} - set(government.columns)
    if missing:
        raise ValueError(f"government needs the columns of accounts.csv; missing {sorted(missing)}")
    own = _keys(
        _strings(government["country"]),
        _strings(government["platform"]),
        _strings(government["handle"]),
    ).drop_null()
    if isinstance(own, pa.ChunkedArray):
        own = own.combine_chunks()
    for names in answered:
        hit = pc.fill_null(pc.is_in(_keys(country, platform, names), value_set=own), False)
        if isinstance(hit, pa.ChunkedArray):
            hit = hit.combine_chunks()
        found |= hit.to_numpy(zero_copy_only=False)
    return found


def _strings(series: pd.Series) -> pa.Array:
    return pa.array(series.astype("string").array, type=pa.large_string())


def _key(arr: pa.Array) -> pa.Array:
    """:func:`account_key` on Arrow strings ('' is null)."""
    text = pc.utf8_normalize(pc.utf8_trim_whitespace(arr), "NFC")
    text = pc.utf8_ltrim(pc.utf8_lower(text), "@")
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, type=text.type), text)


def _keys(country: pa.Array, platform: pa.Array, handle: pa.Array) -> pa.Array:
    """``country \\x1f platform \\x1f key``; null where the handle is missing."""
    return pc.binary_join_element_wise(
        pc.fill_null(pc.cast(country, pa.large_string()), _EMPTY),
        pc.fill_null(pc.cast(platform, pa.large_string()), _EMPTY),
        _key(pc.cast(handle, pa.large_string())),
        _SEP,
    )
