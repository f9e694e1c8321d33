"""What a notebook records (analysis.build.record): results once, drawings to replay."""

from __future__ import annotations

import gc
import weakref

import pandas as pd
import pytest

from analysis.base.errors import UsageError
from analysis.build.record import LANG, Recorder, read_values
from analysis.report import tables


def test_a_table_passed_to_a_drawing_is_one_this_notebook_recorded(tmp_path):
    rec = Recorder(tmp_path, "nb")
    recorded = rec.table("t", lambda: pd.DataFrame({"a": [1]}))
    rec.values_of(tables.to_markdown, recorded, key="shown")  # no LANG: computed now
    rec.table("shown", lambda df, lang: df, recorded, LANG)  # a drawing of the recorded table
    drawings = read_values(tmp_path / "results")["nb"]["drawings"]
    assert drawings[0]["args"][0] == {"table": "t"}
    with pytest.raises(UsageError, match="must be one this notebook recorded"):
        rec.table("other", lambda df, lang: df, pd.DataFrame({"a": [1]}), LANG)


def test_a_freed_frame_never_lends_its_identity_to_another(tmp_path):
    """A frame is known by its id; once freed, its id may be another frame's. The recorder
    keeps every recorded frame alive, so no new frame can pass for a recorded one."""
    rec = Recorder(tmp_path, "nb")
    kept = weakref.ref(rec.table("t", lambda: pd.DataFrame({"a": [1]})))  # then dropped
    gc.collect()
    assert kept() is not None, "the recorder keeps its recorded frames alive"
    for i in range(50):
        rec.table(f"t{i}", lambda i=i: pd.DataFrame({"a": [i]}))  # returned, then dropped
    gc.collect()
    fresh = []  # kept alive, fresh frames take the memory (and the ids) freed above
    for _ in range(1000):
        fresh.append(pd.DataFrame({"a": [0]}))
        with pytest.raises(UsageError, match="must be one this notebook recorded"):
            rec.table("late", lambda df, lang: df, fresh[-1], LANG)
