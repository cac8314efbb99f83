"""Training and evaluation of the compact model: labelled CSVs in, a model folder and figures
out. scikit-learn is needed for training only (``pip install 'moderation[train]'``); reading
data, calibration and evaluation run on numpy."""
