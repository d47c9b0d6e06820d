"""Prometheus metrics of the control service, on a registry of its own per service.

Durations and scheduler lag are histograms observed as executions end and cron times come
(constant memory, whatever the number of executions); the gauges read the database when
scraped.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
)

if TYPE_CHECKING:
    from .service import ControlService

DURATION_BUCKETS = (1, 5, 15, 60, 300, 900, 3600, 4 * 3600, float("inf"))
LAG_BUCKETS = (0.1, 0.5, 1, 2, 5, 30, 60, float("inf"))


class Metrics:
    """The service's metrics. Several services can live in one process: each has its own."""

    def __init__(self, service: ControlService) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self._scrape = threading.Lock()
        self.executions = Gauge(
            "dataops_executions",
            "Executions by team, job and status",
            ["team", "job", "status"],
            registry=self.registry,
        )
        queue = Gauge("dataops_queue_depth", "Executions waiting to start", registry=self.registry)
        queue.set_function(lambda: service.store.queue_depth())
        running = Gauge(
            "dataops_running_attempts", "Attempts running in this process", registry=self.registry
        )
        running.set_function(lambda: len(service.executor.running()))
        self.durations = Histogram(
            "dataops_execution_duration_seconds",
            "Duration of finished executions (this process)",
            ["status"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.scheduler_lag = Histogram(
            "dataops_scheduler_lag_seconds",
            "Delay between a cron time and the creation of its execution",
            buckets=LAG_BUCKETS,
            registry=self.registry,
        )

    def observe_duration(self, status: str, seconds: float) -> None:
        """An execution ended with ``status`` after ``seconds``."""
        self.durations.labels(status=status).observe(seconds)

    def observe_scheduler_lag(self, seconds: float) -> None:
        """A cron time's execution was created ``seconds`` after that time."""
        self.scheduler_lag.observe(seconds)

    def render(self) -> tuple[bytes, str]:
        """The text exposition format, and its content type."""
        with self._scrape:
            counts = self.service.store.status_counts()
            self.executions.clear()
            for (team, job, status), count in counts.items():
                self.executions.labels(team=team, job=job, status=status).set(count)
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
