"""Serving one request: the agent, batching, recording, validation, the output check, model loading."""
