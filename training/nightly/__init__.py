"""``so8t nightly``: the pipeline, its run rows and its report."""
