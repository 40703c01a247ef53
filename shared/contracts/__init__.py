"""The published language between services: event types and the fields other services may rely on.

One module per topic. A producer imports its names from here; a consumer reads only what is listed.
"""
