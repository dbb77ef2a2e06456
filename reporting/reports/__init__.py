"""The monthly end-to-end service report: its content (content.py) and its files."""
