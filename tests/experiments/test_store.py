"""The run store's reader API over a synthetic experiment: tables, filters, SQL, export, and a
rebuild that never keeps stale rows."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

import factory
from rhlab.experiments.layout import EXPERIMENT, STORE, read_json, write_json
from rhlab.experiments.store import TABLES, Store, StoreError, sync


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    logs = factory.eval_logs(tmp_path_factory.mktemp("logs"))
    exp = factory.build_experiment(tmp_path_factory.mktemp("exp") / "exp", logs, missing=True, failed=True)
    sync(exp)
    return exp


def test_tables_hold_what_the_files_hold(experiment):
    ids = factory.cell_ids(missing=True)
    with Store.open(experiment) as store:
        cells = store.cells().set_index("cell_id")
        assert cells.loc[ids["okay_none"], "status"] == "done"
        assert cells.loc[ids["okay_penalty"], "status"] == "failed"
        assert cells.loc[ids["okay_penalty"], "error"].startswith("training exited with code 137")
        missing = [k for k in ids if k not in factory.CELLS][0]
        assert cells.loc[ids[missing], "status"] == "pending" and cells.loc[ids[missing], "steps_done"] == 0
        steps = store.steps(ids["okay_none"])
        assert list(steps["step"]) == list(range(1, factory.STEPS + 1))
        assert steps["successful_hack_rate"].iloc[-1] == 1.0  # 4 of 4 episodes at step 6
        assert cells.loc[ids["okay_none"], "onset_step"] == 3
        eps = store.episodes(ids["okay_none"], step=6)
        assert len(eps) == factory.EPISODES_PER_STEP and eps["hack_successful"].all()
        assert len(store.episodes()) == sum(len(factory.episodes(experiment, c)) for c in ids.values())
        results = store.eval_results(ids["okay_none"])
        final = results[results.step == factory.STEPS].set_index("eval")
        assert set(final.index) == set(factory.MGS)
        judged = final.drop(index="exfil_offer")  # exfil needs executed SQL: the script runs none
        assert (judged["rate"] == 1.0).all() and final.loc["exfil_offer", "rate"] == 0.0
        assert (judged["ci_low"] > 0.2).all() and (judged["ci_high"] == 1.0).all()  # Wilson, n = 2-3
        summaries = store.eval_summaries()
        assert summaries[(summaries.cell_id == "base")]["mgs"].tolist() == [0.0]
        samples = store.eval_samples(ids["dont_none"], eval="goals")
        assert {"misaligned", "aligned", "unscored"} & set(samples["label"])
        assert samples["input"].str.len().min() > 0
        ckpts = store.checkpoints()
        assert set(ckpts["kind"]) <= {"checkpoint", "final"}


def test_sql_and_export(experiment, tmp_path):
    with Store.open(experiment / STORE) as store:
        df = store.query("SELECT cell_id, max(successful_hack_rate) AS top FROM steps GROUP BY 1 ORDER BY 1")
        assert isinstance(df, pd.DataFrame) and len(df) == 3
        csvs = store.export(tmp_path / "csv", "csv")
        parquets = store.export(tmp_path / "pq", "parquet")
        with pytest.raises(StoreError, match="csv or parquet"):
            store.export(tmp_path / "x", "xlsx")
        with pytest.raises(StoreError, match="unknown table"):
            store.table("nope")
    assert [p.stem for p in csvs] == list(TABLES) == [p.stem for p in parquets]
    episodes = pd.read_parquet(tmp_path / "pq" / "episodes.parquet")
    assert len(episodes) == len(pd.read_csv(tmp_path / "csv" / "episodes.csv"))
    assert factory.ADVERSARIAL in "".join(episodes["completion"])  # text kept byte for byte


def test_sync_rebuilds_and_drops_stale_rows(experiment, tmp_path):
    import shutil

    copy = tmp_path / "exp"
    shutil.copytree(experiment, copy)
    manifest = read_json(copy / EXPERIMENT)
    write_json(copy / EXPERIMENT, {**manifest, "name": "renamed", "cells": manifest["cells"][:1]})
    sync(copy)
    with Store.open(copy) as store:
        assert store.experiments()["id"].tolist() == ["renamed"]
        assert store.cells()["experiment_id"].unique().tolist() == ["renamed"]
        assert len(store.cells()) == 1


def test_errors_are_clear(tmp_path):
    with pytest.raises(StoreError, match="no run store"):
        Store.open(tmp_path)
    with pytest.raises(StoreError, match="not an experiment directory"):
        sync(tmp_path)
    con = duckdb.connect(str(tmp_path / STORE))
    con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR); INSERT INTO meta VALUES ('schema_version', '0')")
    con.close()
    with pytest.raises(StoreError, match="schema version"):
        Store.open(tmp_path / STORE)
