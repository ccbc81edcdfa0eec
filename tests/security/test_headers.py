"""Headers every page carries, pages that must not be kept in a cache, and escaping."""
from pathlib import Path

import pytest

from tests.conftest import log_in


@pytest.mark.parametrize("path", ["/", "/account/login", "/terms", "/no-such-page"])
def test_every_page_has_the_protective_headers(client, path):
    headers = client.get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"


def test_pages_with_personal_data_are_not_cached(client, make_user, make_consultation,
                                                  make_testimony):
    consultation = make_consultation()
    _testimony, token = make_testimony(consultation)
    assert client.get(f"/receipt/{token}").headers["Cache-Control"] == "no-store"
    make_user("camille@example.org")
    log_in(client, "camille@example.org")
    for path in ("/account/profile", "/my-testimonies", "/account/data/", f"/c/{consultation.slug}"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_public_pages_for_visitors_may_be_cached(client, make_consultation):
    consultation = make_consultation()
    assert "no-store" not in client.get(f"/c/{consultation.slug}").headers.get("Cache-Control", "")


def test_templates_never_mark_text_safe():
    root = Path(__file__).resolve().parents[2]
    offenders = [str(path.relative_to(root)) for path in (root / "templates").rglob("*")
                 if path.is_file() and ("|safe" in path.read_text().replace(" ", "")
                                        or "Markup(" in path.read_text()
                                        or "autoescape false" in path.read_text())]
    python = [str(path.relative_to(root)) for path in (root / "consult").rglob("*.py")
              if "Markup(" in path.read_text() or "|safe" in path.read_text()]
    assert offenders == [] and python == []
