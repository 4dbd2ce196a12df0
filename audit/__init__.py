"""The tamper-evident audit log: the hash chain, appending, verifying, exporting."""
