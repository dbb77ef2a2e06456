from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Return mapping[key] (or None): templates cannot index a dict by a variable."""
    return (mapping or {}).get(key)
