"""The core layer: what the study computes, as codes and numbers, never words.

- :mod:`analysis.core.stats`        generic tests, intervals and effects as result types
- :mod:`analysis.core.coding`       interaction kinds, account levels and topics of posts
- :mod:`analysis.core.government`   which answers go to the country's own accounts (internal)
- :mod:`analysis.core.reliability`  Krippendorff's alpha of hand codes
- :mod:`analysis.core.archive`      coding an archive partition by partition, or on Dask
- :mod:`analysis.core.platforms`    the platforms each institution uses, and those still to check
- :mod:`analysis.core.compare`      the comparisons of a pair, one row each
- :mod:`analysis.core.checks`       the checks a statement of the article may name
- :mod:`analysis.core.replication`  every statement held against the data: verdicts
- :mod:`analysis.core.robustness`   every conclusion under each contested reading
- :mod:`analysis.core.panel`        a panel of countries: presence, audiences, adoption, ranking

It imports :mod:`analysis.data` and :mod:`analysis.base`, nothing above (``make lint``).
"""
