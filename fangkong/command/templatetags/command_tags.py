from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def metric(value, fmt: str = "int"):
    """A dashboard figure as people read it: 1,234 or 93.5%; "–" when there is no value."""
    if value is None:
        return "–"
    if fmt == "percent":
        return f"{value * 100:.1f}%"
    return number_format(value, force_grouping=True)


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def fig(view, key):
    """A count of a NodeView: 0 when absent (the view only holds figures the user may see)."""
    return view.figures.get(key, 0) if view is not None else None
