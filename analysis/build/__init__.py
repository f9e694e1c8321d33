"""The build layer: notebooks run, their outputs drawn in each language, the paper assembled.

- :mod:`analysis.build.record`    what a notebook gives the paper: results once, drawings to replay
- :mod:`analysis.build.replay`    what a drawing runs: a library function, or a notebook's by source
- :mod:`analysis.build.draw`      replay a notebook's drawings in a language
- :mod:`analysis.build.kernels`   a pool of Jupyter kernels that run notebooks side by side
- :mod:`analysis.build.paper`     the steps of a build: results, drawings, assembly; locks
- :mod:`analysis.build.assemble`  fill the template; pandoc to HTML, pandoc and Typst to PDF

Only :mod:`analysis.__main__` sits above it (``make lint`` checks the layers).
"""
