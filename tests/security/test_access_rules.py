"""Every route declares who may use it (consult/access.py)."""
from consult.access import RULES


def test_every_route_declares_its_access_rule(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, "access_rule", None) not in RULES:
            undeclared.append(f"{rule.rule} ({rule.endpoint})")
    assert undeclared == []

