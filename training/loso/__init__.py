"""Leave-one-source-out evaluation: protocol, inputs, joint folds, curve, report, artefact."""
