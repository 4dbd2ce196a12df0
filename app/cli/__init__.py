"""The ``so8t`` command line: one module per subcommand group, registered in ``app.cli.main.main``."""
