"""The data layer: data/raw read, validated and handed out with every value's source.

- :mod:`analysis.data.codebook`     the categories and table schemas of codebook.yml
- :mod:`analysis.data.dates`        one partial date: parse, order, gaps
- :mod:`analysis.data.countries`    the one check of a country code; a country's names
- :mod:`analysis.data.read`         one CSV file of data/raw, read and checked cell by cell
- :mod:`analysis.data.load`         every table validated together; a pair's Study, a Panel
- :mod:`analysis.data.exports`      the platform exports listed in exports.csv, as posts
- :mod:`analysis.data.processed`    data/processed, written by ``make data``
- :mod:`analysis.data.provenance`   which kind of source each value cites; completeness
- :mod:`analysis.data.readings`     the article's contested readings, applied to a copy
- :mod:`analysis.data.scaffold`     the empty rows of a new country
- :mod:`analysis.data.datapackage`  the Frictionless description of data/raw
- :mod:`analysis.data.importers`    readers of platform exports into one posts table
- :mod:`analysis.data.collect`      collectors that write data/raw from open sources

It imports :mod:`analysis.base` and nothing above (``make lint`` checks).
"""
