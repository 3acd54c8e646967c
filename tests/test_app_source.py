"""The app's source: what Streamlit would do with it that Python would not."""

from __future__ import annotations

import ast

from .helpers import ROOT


def test_no_bare_strings_at_the_top_of_the_app():
    """Streamlit's magic writes every bare top-level expression of the main script on the
    page: a "docstring" under a constant shows up as text above every page."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    bare = [
        node.lineno
        for node in tree.body[1:]  # the module docstring is not shown
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    ]
    assert bare == [], f"bare strings at app.py lines {bare}: make them comments"
