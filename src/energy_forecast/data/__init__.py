"""RTE's exports and weather forecasts: their formats, parsing, quality rules and clients."""
