"""Running the service: telemetry, Prometheus metrics, logs, background upkeep."""
