"""The report layer: the only place words are chosen, tables worded and figures drawn.

- :mod:`analysis.report.text`      labels and number formats per language; escaping
- :mod:`analysis.report.tables`    Tabla 1, Tabla 2 and the other tables, in words
- :mod:`analysis.report.plotting`  the figures' house style, shared helpers, byte-identical files
- :mod:`analysis.report.figures`   one builder per figure of a pair's paper
- :mod:`analysis.report.evidence`  the replication check's evidence in words
- :mod:`analysis.report.values`    the numbers the prose quotes
- :mod:`analysis.report.panel`     the panel report's tables and figure

It imports the layers below (core, data, base), never :mod:`analysis.build` (``make lint``).
"""
