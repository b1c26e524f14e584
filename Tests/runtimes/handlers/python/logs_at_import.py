import logging

logging.getLogger().warning("logged while the module loads")


def handler(event, context):
    return "loaded"
