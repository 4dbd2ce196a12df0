"""The seed's Python entry points: ``run_agent`` and ``run_agent_batch`` on a default agent.

The agent is built on first use from the environment's settings (like ``so8t serve``), so importing this
module loads nothing. Here, not in ``app.serving.agent``, because it needs the composition root
(``app.services``), which itself builds the agent."""

from __future__ import annotations

import functools

from app import dbctl
from app.services import build_services
from app.serving.agent import Agent
from app.serving.batch import run_batch
from app.settings import Settings


@functools.cache
def _default_agent() -> Agent:
    """Built on first use from the environment's settings; migrates the database like `so8t serve`."""
    services = build_services(Settings())
    dbctl.upgrade(services.engine)
    return services.agent


def run_agent(context: str, user_request: str) -> dict[str, object]:
    """The seed's entry point: decide (and answer on ALLOW) with the configured default agent."""
    return _default_agent().run(context, user_request, user="python-api").model_dump()


def run_agent_batch(requests: list[tuple[str, str]]) -> list[dict[str, object]]:
    """Batched ``run_agent``: one prefill for all ``(context, user_request)`` pairs; same decisions."""
    return [r.model_dump() for r in run_batch(_default_agent(), requests, user="python-api")]
