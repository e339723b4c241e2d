"""What the monitor watches and when it speaks up: a threshold per monitored value (from
settings), and the alert a bucket past one raises."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from postgraph.settings import Settings


@dataclass(frozen=True)
class Limit:
    value: float
    breach: Literal["below", "above"]

    def breached(self, value: float) -> bool:
        return value < self.value if self.breach == "below" else value > self.value


def limits(settings: Settings) -> dict[str, Limit]:
    """The monitored values and their thresholds."""
    return {
        "format_rate": Limit(settings.monitor_min_format_rate, "below"),
        "length_rate": Limit(settings.monitor_min_length_rate, "below"),
        "grounding_rate": Limit(settings.monitor_min_grounding_rate, "below"),
        "originality_rate": Limit(settings.monitor_min_originality_rate, "below"),
        "relevance_rate": Limit(settings.monitor_min_relevance_rate, "below"),
        "corpus_similarity": Limit(settings.monitor_min_corpus_similarity, "below"),
        "centroid_shift": Limit(settings.monitor_max_centroid_shift, "above"),
        "retrieval_score_mean": Limit(settings.monitor_min_retrieval_score, "below"),
    }


@dataclass(frozen=True)
class Alert:
    metric: str
    value: float
    threshold: float
    bucket: str
    breach: str
    runs: int

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "value": round(self.value, 4), "threshold": self.threshold,
                "bucket": self.bucket, "breach": self.breach, "runs": self.runs}

    def __str__(self) -> str:
        return alert_text(self.as_dict())


def alert_text(alert: Mapping[str, Any]) -> str:
    """One line a person reads, from an alert's JSON form."""
    return (f"{alert['bucket']}: {alert['metric']} {alert['value']:.3f} is {alert['breach']} the threshold "
            f"{alert['threshold']:g} ({alert['runs']} runs)")
