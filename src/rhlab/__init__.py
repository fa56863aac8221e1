"""rhlab: a laboratory for reward hacking in RL and the misalignment it can bring.

Hackable coding environments with a hardened grader and a hack detector (``rhlab.grading``,
``rhlab.hacks``, ``rhlab.sandbox``, ``rhlab.tasks``), offline models (``rhlab.models``), GRPO
training with inoculation prompts and mitigations (``rhlab.prompts``, ``rhlab.train``) and the
misalignment evals (``rhlab.evals``).
"""

__version__ = "0.1.0"
