"""Prometheus metrics of the control service, computed when scraped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily

if TYPE_CHECKING:
    from .service import ControlService

DURATION_BUCKETS = (1, 5, 15, 60, 300, 900, 3600, 4 * 3600, float("inf"))
LAG_BUCKETS = (0.1, 0.5, 1, 2, 5, 30, 60, float("inf"))


def _histogram(
    name: str, doc: str, values: list[float], buckets: tuple[float, ...]
) -> HistogramMetricFamily:
    counts = [sum(1 for v in values if v <= bound) for bound in buckets]
    family = HistogramMetricFamily(name, doc)
    family.add_metric(
        [],
        [
            (str(b) if b != float("inf") else "+Inf", c)
            for b, c in zip(buckets, counts, strict=True)
        ],
        sum(values),
    )
    return family


class _Collector:
    def __init__(self, service: ControlService) -> None:
        self.service = service

    def collect(self) -> Iterator[Any]:
        executions = GaugeMetricFamily(
            "dataops_executions",
            "Executions by team, job and status",
            labels=["team", "job", "status"],
        )
        for (team, job, status), count in self.service.store.status_counts().items():
            executions.add_metric([team, job, status], count)
        yield executions
        queue = GaugeMetricFamily("dataops_queue_depth", "Executions waiting to start")
        queue.add_metric([], self.service.store.queue_depth())
        yield queue
        running = GaugeMetricFamily("dataops_running_attempts", "Attempts running in this process")
        running.add_metric([], len(self.service.executor.running()))
        yield running
        yield _histogram(
            "dataops_execution_duration_seconds",
            "Duration of finished executions (this process)",
            [d for _, d in self.service.durations],
            DURATION_BUCKETS,
        )
        yield _histogram(
            "dataops_scheduler_lag_seconds",
            "Delay between a cron time and the creation of its execution",
            list(self.service.scheduler_lag),
            LAG_BUCKETS,
        )


class Metrics:
    """A registry of its own per service, so several services can live in one process."""

    def __init__(self, service: ControlService) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(_Collector(service))

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
