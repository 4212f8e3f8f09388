"""The ``azauth`` command line: one module per command, registered in :data:`azauth.cli.main.COMMANDS`."""
