"""Fixtures of the browser tests (defined in book_browser.py)."""

from book_browser import base_url, browser, page, phone  # noqa: F401
