"""Who the command line acts as in the audit log: the operating-system user, in the admin role."""

from __future__ import annotations

import getpass

ACTOR_ROLE = "admin"  # whoever runs the CLI on the server holds the keys to the database


def actor() -> str:
    return f"cli:{getpass.getuser()}"
