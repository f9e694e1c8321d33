"""Every code the statistics can emit has words in both languages (paper/text/labels.yml).

The comparisons are built in every situation the code knows, including the paths
that need a posts export, and each row is worded in English and Spanish: a code
without words fails here, not in a reader's paper.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import once

from analysis.base.paths import LABELS_FILE
from analysis.core import coding, compare
from analysis.data import exports, load
from analysis.report import text

LANGS = ("en", "es")
ALL_TESTS = {
    "fisher_exact",
    "chi_square",
    "chi_square_monte_carlo",
    "mann_whitney_permutation",
    "mann_whitney_asymptotic",
    "poisson_glm_clustered",
    "poisson_glm_robust",
}
ALL_REASONS = {
    "census",
    "no_data",
    "no_variation",
    "too_few",
    "zero_count",
    "chance_level",
    "no_shared_platform",
}


def _synthetic_posts(countries=("MEX", "CHL"), accounts=12, per_account=6, seed=7):
    """Coded posts on two platforms: enough accounts to cluster, enough posts for asymptotics."""
    rng = np.random.default_rng(seed)
    rows = []
    for c, country in enumerate(countries):
        for k in range(accounts):
            platform = "twitter" if k % 2 else "facebook"
            for i in range(per_account):
                level = int(rng.integers(0, 4))
                rows.append(
                    dict(
                        country=country,
                        role="foreign_ministry",
                        platform=platform,
                        account_id=f"{country}{k}",
                        post_id=f"{country}{k}-{i}",
                        kind=["broadcast", "share", "reply", "dialogue"][level],
                        level=level,
                        replies=int(rng.poisson(1 + c)),
                        shares=int(rng.poisson(2)),
                        likes=int(rng.poisson(5)),
                    )
                )
    df = pd.DataFrame(rows)
    for col in ("replies", "shares", "likes"):
        df[col] = df[col].astype("Int64")
    return df


@pytest.fixture(scope="session")
def every_situation(article_data, fixture_data, tmp_path_factory, worker_id) -> pd.DataFrame:
    """Every code the comparisons can emit, computed once for the run (seconds of models)."""

    def compute(target: Path) -> None:
        target.mkdir(parents=True)
        _situations(article_data, fixture_data).to_pickle(target / "situations.pkl")

    made = once(tmp_path_factory, worker_id, "situations", compute)
    return pd.read_pickle(made / "situations.pkl")


def _situations(article_data: Path, fixture_data: Path) -> pd.DataFrame:
    mex_chl = load.study("MEX", "CHL", article_data)
    ury_arg = load.study("URY", "ARG", fixture_data)
    coded = coding.code_posts(exports.posts(ury_arg.pair, fixture_data))
    posts = _synthetic_posts()
    zero = posts.copy()
    zero.loc[zero["country"] == "MEX", "replies"] = 0
    alone = posts[posts["platform"] == "twitter"].copy()
    alone.loc[alone["country"] == "CHL", "platform"] = "facebook"
    few = _synthetic_posts(accounts=3, per_account=4)  # a permutation p, robust errors
    two_levels = posts.assign(level=(posts["level"] >= 2) * 2)  # a 2 x 2 table: Fisher
    frames = [
        compare.all_comparisons(mex_chl),
        compare.all_comparisons(ury_arg, coded),
        compare.all_comparisons(mex_chl, posts),
        compare.engagement_model(zero, "MEX", "CHL"),
        compare.engagement_model(alone, "MEX", "CHL"),
        compare.all_comparisons(mex_chl, few),
        compare.all_comparisons(mex_chl, two_levels),
        compare.all_comparisons(mex_chl, _synthetic_posts(accounts=1, per_account=1)),  # too few
        compare.all_comparisons(load.study("CHL", "MEX", article_data)),
    ]
    return pd.concat(frames, ignore_index=True)


def test_the_situations_reach_every_test_and_reason(every_situation):
    assert set(every_situation["test"]) - {""} == ALL_TESTS
    assert set(every_situation["reason"]) - {""} == ALL_REASONS


@pytest.mark.parametrize("lang", LANGS)
def test_every_emitted_code_has_words(every_situation, lang):
    for _, row in every_situation.iterrows():
        assert text.measure_label(row, lang)
        if row["effect"]:
            assert text.effect_label(row["effect"], row["unit"], lang)
        if row["test"]:
            assert text.test_label(row["test"], row["measure"], lang)
        for section, col in (("reasons", "reason"), ("intervals", "interval"), ("units", "unit")):
            if row[col]:
                assert text.code_label(section, row[col], lang)


def test_a_code_without_words_fails():
    row = pd.Series({"measure": "no_such_measure", "role": "", "platform": "", "subgroup": ""})
    with pytest.raises(KeyError, match="no_such_measure"):
        text.measure_label(row, "en")
    with pytest.raises(KeyError):
        text.effect_label("no_such_effect", "", "es")
    with pytest.raises(KeyError):
        text.code_label("reasons", "no_such_reason", "es")


def test_both_languages_have_the_same_keys():
    labels = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))
    for section, by_lang in labels.items():
        assert set(by_lang) == set(LANGS), section
        assert set(by_lang["en"]) == set(by_lang["es"]), section
