"""Online monitoring (`postgraph monitor`): a seeded sample of the recorded production runs of the
last days, scored with the same code metrics as the release gate, in time buckets (ISO weeks or
days), with the drift of the requests against the corpus and from bucket to bucket and the
recorded retrieval scores; thresholds raise alerts (a JSON log record each) and a report in
JSON and HTML.

    sample.py   the finished runs of the window, the seeded sample, the buckets
    scoring.py  each run's post metrics, from its record and the stored source documents
    drift.py    the vector math: similarity to the corpus, centroid shift between buckets
    alerts.py   the thresholds (from settings) and the alerts a bucket past one raises
    report.py   per-bucket rates, the alerts found, the report, and `run_monitor`
    html.py     the report as an HTML page, a time series per metric
"""
