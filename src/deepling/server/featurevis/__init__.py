"""Feature visualisation: one channel's image by activation maximisation, and the layer atlas
(every channel of a node as one batch)."""
