"""Who is asking: accounts, roles and permissions, tokens and passwords."""
