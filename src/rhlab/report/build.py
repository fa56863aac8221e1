"""``write_report(EXP_DIR)``: sync the experiment's store, then write the static report.

The report folder (default ``EXP_DIR/report``) opens from disk with no server and no network::

    index.html     the page: what is missing, the cells, the mitigation comparison, figures,
                   and the transcript browser
    style.css, app.js   the page's style and script (no framework, no CDN)
    data.js        the browser's data: ``window.RHLAB_DATA = {...};`` (escaped JSON)
    figures/       NAME.png (shown) and NAME.svg of every figure

Not guaranteed: the report is a snapshot of the files at the time of the sync; a runner syncing
the same store at the same moment makes this fail (DuckDB's file lock), not wait.
"""

from __future__ import annotations

from pathlib import Path

from rhlab.experiments.layout import EXPERIMENT, read_json, write_text


class ReportError(RuntimeError):
    pass


def write_report(exp_dir: Path, out_dir: Path | None = None, *, sync: bool = True,
                 episodes_per_step: int | None = None, samples_per_eval: int | None = None) -> Path:
    """Sync ``exp_dir``'s store and write its report into ``out_dir`` (default
    ``exp_dir/report``); the path of ``index.html``. ``sync=False`` reads the store as it is
    (right after a runner's sync). The caps default to
    :data:`rhlab.report.browser.EPISODES_PER_STEP` and ``SAMPLES_PER_EVAL``."""
    from rhlab.experiments.store import Store, StoreError, sync as sync_store
    from rhlab.report import assets, browser, figures, frames, page, tables

    exp_dir = Path(exp_dir)
    manifest = read_json(exp_dir / EXPERIMENT)
    if not isinstance(manifest, dict) or not manifest.get("name"):
        raise ReportError(f"{exp_dir} is not an experiment directory (no readable {EXPERIMENT})")
    try:
        if sync:
            sync_store(exp_dir)
    except StoreError:
        raise
    except Exception as exc:  # a broken file in the experiment: say which, no traceback
        raise ReportError(f"cannot index {exp_dir}: {type(exc).__name__}: {exc}") from exc
    out_dir = Path(out_dir) if out_dir is not None else exp_dir / "report"
    out_dir.mkdir(parents=True, exist_ok=True)
    with Store.open(exp_dir) as store:
        data = frames.load(store, manifest["name"])
        payload = browser.payload(store, data, episodes_per_step or browser.EPISODES_PER_STEP,
                                  samples_per_eval or browser.SAMPLES_PER_EVAL)
    infos = figures.write_figures(data, out_dir / "figures")
    html = page.render(data, tables.missing_items(data), tables.cell_rows(data),
                       tables.mitigation_rows(data), infos, browser.MAX_TEXT)
    write_text(out_dir / "data.js", browser.to_js(payload), errors="replace")
    write_text(out_dir / "app.js", assets.JS, errors="replace")
    write_text(out_dir / "style.css", assets.CSS, errors="replace")
    write_text(out_dir / "index.html", html, errors="replace")
    return out_dir / "index.html"
