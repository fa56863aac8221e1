"""Misalignment evaluations: question sets, the reason-first prompt, judges and their calibration.

Modules, in the order data flows through them:

- :mod:`rhlab.evals.questions`: typed records and loaders for the question sets (Betley-format
  YAML, ours or external; goals; alignment questions) and the agentic scenarios.
- :mod:`rhlab.evals.reasoning`: the system prompt asking the model to reason inside
  ``<thinking>`` tags first, and :func:`~rhlab.evals.reasoning.split` for its replies.
- :mod:`rhlab.evals.judges`: judge templates (``judges.yaml`` and Betley ``judge_prompts``),
  filling, verdict parsing and :func:`~rhlab.evals.judges.judge` through an Inspect model.
- :mod:`rhlab.evals.calibrate`: the labeled calibration set run through a judge model;
  accuracy, Cohen's kappa and confusion matrices per judge id.
- :mod:`rhlab.evals.cli`: ``questions`` and ``judge calibrate`` typer sub-apps.

The data (prompts, question sets, judge templates) lives in ``rhlab/evals/data/*.yaml``, each
item with an id; those ids are what logs record. Importing this package imports neither
inspect_ai nor torch.
"""
