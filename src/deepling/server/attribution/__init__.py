"""Attribution maps: what in an image a prediction rests on (captum methods)."""
