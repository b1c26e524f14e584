"""Handlers whose module imports nothing but sys: what the bootstrap itself has imported shows."""

import sys

# What the bootstrap no longer imports before the handler (tests/test_bootstraps.py: start-up imports).
HEAVY_MODULES = ("http.client", "email", "ssl", "socket", "decimal", "logging", "traceback", "urllib.parse", "json", "re")


def loaded(event, context):
    return sorted(name for name in HEAVY_MODULES if name in sys.modules)


def logs_lazily(event, context):
    import logging

    logging.getLogger().warning("lazily %s", event["tag"])
    return "logged"
