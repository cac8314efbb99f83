"""How closely two float32 scores of the same text must agree."""

SCORE_TOLERANCE = 1e-4
"""A text scored in a padded batch and in a pass of its own differs by up to ~1e-5: float32
sums run in another order, and other CPUs take other kernels. Ten times that still tells a
mixed-up order or a lost window apart, which move scores by far more."""
