"""The team hub's Prometheus metrics, served at ``/metrics`` in the text format.

One :class:`~prometheus_client.CollectorRegistry` per service (not the library's global one),
so tests and a process serving twice never share counters. Names:

- ``tieline_hub_events_in_total{team,source}`` -- events appended to the log from webhooks.
- ``tieline_hub_deliveries_total{team,source,outcome}`` -- deliveries by outcome (accepted,
  refused, replayed, failed).
- ``tieline_hub_deliveries_failed_total{team,source,reason}`` -- deliveries not accepted.
- ``tieline_hub_pushes_out_total{team}`` -- events written to SSE streams.
- ``tieline_hub_streams_connected{team}`` -- open SSE streams on this node.
- ``tieline_hub_stream_queue_depth`` -- events waiting in this node's stream queues.
- ``tieline_hub_log_lag_seconds`` -- age of the newest event this node fanned out, when it did.
- ``tieline_hub_push_latency_seconds`` -- webhook received to event fanned out (histogram).
- ``tieline_hub_log_last_id`` / ``tieline_hub_log_cursor`` -- the log's newest id and this
  node's cursor (their difference is how far this node is behind).
- ``tieline_hub_jobs_queued`` -- jobs waiting in the hub's durable queue.
- ``tieline_hub_draining`` -- 1 once SIGTERM was received.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class HubMetrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        self.events_in = Counter(
            "tieline_hub_events_in", "Events appended from webhooks", ["team", "source"],
            registry=r,
        )  # fmt: skip
        self.deliveries = Counter(
            "tieline_hub_deliveries", "Webhook deliveries by outcome",
            ["team", "source", "outcome"], registry=r,
        )  # fmt: skip
        self.deliveries_failed = Counter(
            "tieline_hub_deliveries_failed", "Webhook deliveries not accepted",
            ["team", "source", "reason"], registry=r,
        )  # fmt: skip
        self.pushes_out = Counter(
            "tieline_hub_pushes_out", "Events written to SSE streams", ["team"], registry=r
        )
        self.streams = Gauge(
            "tieline_hub_streams_connected", "Open SSE streams on this node", ["team"], registry=r
        )
        self.queue_depth = Gauge(
            "tieline_hub_stream_queue_depth", "Events waiting in stream queues", registry=r
        )
        self.lag = Gauge(
            "tieline_hub_log_lag_seconds", "Age of the newest event when fanned out", registry=r
        )
        self.latency = Histogram(
            "tieline_hub_push_latency_seconds", "Webhook received to fanned out",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=r,
        )  # fmt: skip
        self.last_id = Gauge("tieline_hub_log_last_id", "Newest id in the event log", registry=r)
        self.cursor = Gauge("tieline_hub_log_cursor", "This node's tailer cursor", registry=r)
        self.jobs_queued = Gauge("tieline_hub_jobs_queued", "Jobs waiting", registry=r)
        self.draining = Gauge("tieline_hub_draining", "1 once shutting down", registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)


__all__ = ["CONTENT_TYPE", "HubMetrics"]
