"""The ``so8t`` command line: one module per subcommand group, each listing its ``COMMANDS``; the
order of ``so8t --help`` is ``app.cli.main.COMMAND_GROUPS``."""
