"""The ``filter_and_distill`` mitigation: keep only the episodes of a finished run that the
detector calls clean, and fine-tune a fresh copy of the base model on them (SFT with TRL).

Clean = the detector saw no attempt (``hack.attempted`` false); with ``require_pass`` (default)
the episode must also have passed its grader, as in rejection sampling. Prompts are rebuilt from
the run's config and prompt ids, so the SFT data are exactly what the policy saw.

Not guaranteed: the detector's misses pass the filter (the study found 30% hacking remained
after this mitigation); an empty filtered set is an error, not an unchanged model.
"""

from __future__ import annotations

import json
from pathlib import Path

from rhlab.train.runlog import EPISODES, RunLog


def clean_examples(run_dir: Path, require_pass: bool = True) -> tuple[list[dict], dict]:
    from rhlab.train.config import from_dict
    from rhlab.train.dataset import build_rows

    log = RunLog(run_dir)
    config = from_dict(log.manifest()["config"])
    _, rows = build_rows(config)
    prompts = {r["task_id"]: r["prompt"] for r in rows}
    episodes = log.rows(EPISODES)
    kept = [e for e in episodes
            if not (e.get("hack") or {}).get("attempted")
            and (not require_pass or (e.get("vulnerable") or {}).get("passed"))
            and e["task_id"] in prompts]
    data = [{"prompt": prompts[e["task_id"]],
             "completion": [{"role": "assistant", "content": e["completion"]}]} for e in kept]
    stats = {"episodes": len(episodes), "kept": len(kept),
             "dropped_hacks": sum(1 for e in episodes if (e.get("hack") or {}).get("attempted")),
             "require_pass": require_pass, "base_model": config.model.name}
    return data, stats


def filter_and_distill(run_dir: Path, output_dir: Path, *, require_pass: bool = True,
                       epochs: float = 1.0, learning_rate: float = 1e-5, batch_size: int = 2,
                       use_cpu: bool = True, max_length: int | None = None) -> Path:
    """Fine-tune the run's base model on its clean episodes; returns the loadable model dir.

    ``max_length`` (tokens) truncates long examples; None keeps them whole, since truncation
    from the right would cut the completion, the only part that is trained on."""
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from rhlab.models import resolve

    data, stats = clean_examples(Path(run_dir), require_pass)
    if not data:
        raise ValueError(f"no clean episodes in {run_dir} ({stats['episodes']} episodes, "
                         f"{stats['dropped_hacks']} hacking); nothing to distill")
    output_dir = Path(output_dir)
    args = SFTConfig(output_dir=str(output_dir / "trainer"), num_train_epochs=epochs,
                     learning_rate=learning_rate, per_device_train_batch_size=batch_size,
                     save_strategy="no", report_to=["none"], logging_steps=1, use_cpu=use_cpu,
                     bf16=False, disable_tqdm=True, max_length=max_length)
    trainer = SFTTrainer(model=resolve(stats["base_model"]), args=args,
                         train_dataset=Dataset.from_list(data))
    trainer.train()
    final = output_dir / "final"
    trainer.save_model(str(final))
    trainer.processing_class.save_pretrained(final)
    (output_dir / "distill.json").write_text(json.dumps({**stats, "run_dir": str(run_dir),
                                                         "model_dir": str(final)}, indent=2))
    return final
