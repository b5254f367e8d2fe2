"""Where raw data comes from, besides local files and the synthetic generator."""
