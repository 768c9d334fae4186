"""The `fangkong` console script: a thin front to Django's management commands.

`fangkong demo`, `fangkong serve`, `fangkong worker`, `fangkong migrate`, ... are
all management commands; this only picks the settings module.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "fangkong"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
