"""Write the Traditional Chinese catalogue from the Simplified one with OpenCC (s2twp).

The zh_Hans catalogue is the one people translate; zh_Hant is derived so the two never drift.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from fangkong.core.chinese import hant_converter


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
    help = "Regenerate every zh_Hant catalogue (the project's and each app's) from its zh_Hans one with OpenCC."

    def handle(self, *args, **options):
        converter = hant_converter()
        package = Path(settings.BASE_DIR)
        for source_path in sorted(package.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")):
            target = source_path.parents[2] / "zh_Hant/LC_MESSAGES/django.po"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(convert_catalogue(source_path.read_text(encoding="utf-8"), converter), encoding="utf-8")
            self.stdout.write(f"wrote {target.relative_to(package)}")
