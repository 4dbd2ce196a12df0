"""The REST API: routers for the agent, the people who use the desk, and administrators."""
