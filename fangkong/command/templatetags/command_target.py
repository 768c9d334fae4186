from django import template

register = template.Library()


@register.simple_tag
def inflection_target(unit, node_analysis):
    """The node's inflection-point target and where the trend stands against it (command.target.target_status);
    read on each page view, so a target just set shows at once, not at the next snapshot."""
    from fangkong.command.target import target_status

    return target_status(unit, node_analysis)
