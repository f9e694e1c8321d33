"""Digital public diplomacy compendium: rerun Benayas (2021) for any pair of countries.

The package is a small library that the notebooks call:

- :mod:`analysis.load`       read and validate data/raw; a :class:`~analysis.load.Study` per pair
- :mod:`analysis.codebook`   the categories, labels and table schemas of data/raw/codebook.yml
- :mod:`analysis.coding`     interaction levels and agenda topics of posts
- :mod:`analysis.reliability` Krippendorff's alpha of hand codes
- :mod:`analysis.compare`    comparison statistics as tidy DataFrames
- :mod:`analysis.replication` the article's countable statements held against the data
- :mod:`analysis.tables`, :mod:`analysis.figures`  Tabla 1-2, Figuras 1-3 and more
- :mod:`analysis.paper`      run the notebooks with papermill and assemble the article
"""

__version__ = "0.1.0"
