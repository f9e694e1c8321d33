"""Digital public diplomacy compendium: rerun Benayas (2021) for any pair of countries.

The library the notebooks call, in five layers, each importing only those below it
(``make lint`` checks the rule with import-linter)::

    analysis.__main__   the command line
    analysis.build      notebooks run, drawn in each language, the paper assembled
    analysis.report     words, tables, figures, the numbers the prose quotes
    analysis.core       statistics, coding, comparisons, the replication check
    analysis.data       data/raw read and validated, importers, collectors
    analysis.base       errors, paths, atomic files

Each subpackage's docstring lists its modules.
"""

__version__ = "0.1.0"
