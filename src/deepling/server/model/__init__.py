"""The served model: its description and its graph."""
