"""HTTP plumbing shared by the API and the UI: middleware, CSRF refusal, rate limits."""
