"""A model's life: the registry, the promotion gate, lineage."""
