"""The page at ``/``: paste an article, see its matches (calls ``POST /v1/match``)."""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>redite</title></head>
<body><h1>redite</h1><p>See <a href="/openapi.json">/openapi.json</a>.</p></body></html>
"""
