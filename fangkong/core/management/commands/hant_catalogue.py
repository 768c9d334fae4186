"""Write the Traditional Chinese catalogue from the Simplified one with OpenCC (s2twp).

The zh_Hans catalogue is the one people translate; zh_Hant is derived so the two never drift.
"""

from pathlib import Path

import opencc
from django.conf import settings
from django.core.management.base import BaseCommand


def convert_catalogue(source: str, converter) -> str:
    out, in_msgstr = [], False
    for line in source.splitlines():
        if line.startswith("msgstr"):
            in_msgstr = True
        elif line.startswith(("msgid", "msgctxt", "#")) or not line.strip():
            in_msgstr = False
        if in_msgstr and '"' in line:
            prefix, _, rest = line.partition('"')
            line = prefix + '"' + converter.convert(rest)
        elif line.startswith('"Language: zh_Hans'):
            line = line.replace("zh_Hans", "zh_Hant")
        out.append(line)
    return "\n".join(out) + "\n"


class Command(BaseCommand):
    help = "Regenerate locale/zh_Hant from locale/zh_Hans with OpenCC."

    def handle(self, *args, **options):
        locale_dir = Path(settings.LOCALE_PATHS[0])
        source = (locale_dir / "zh_Hans/LC_MESSAGES/django.po").read_text(encoding="utf-8")
        target = locale_dir / "zh_Hant/LC_MESSAGES/django.po"
        target.write_text(convert_catalogue(source, opencc.OpenCC("s2twp")), encoding="utf-8")
        self.stdout.write(f"wrote {target}")
