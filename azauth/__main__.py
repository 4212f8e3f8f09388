"""``python -m azauth``: the ``azauth`` command line."""

from azauth.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
