"""Adapters that reach members outside the API (WeChat subscribe messages)."""
