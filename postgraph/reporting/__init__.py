"""Reports people read: hand-drawn inline-SVG charts (`charts.py`) and the plain HTML page,
sections and tables around them (`page.py`), shared by the release gate's report and the
monitoring report. Pure functions of data: no I/O, no JavaScript, nothing to install."""
