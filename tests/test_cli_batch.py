"""`legacy-conv convert DIR OUTDIR`: a folder tree of Keras 1 files, converted file by file.

The files are Keras 1.2.2's own (tests/fixtures/cli/<backend>/, written by the real Keras 1
with make_cli_fixtures.py); the converted models are checked against Keras 1's predictions.
One run goes through the installed command with two worker processes; the others call
`cli.main` in-process with --jobs 1.
"""

import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest

import legacy_conv  # noqa: F401 (registers the legacy layers for load_model)
from _fixtures import CLI, npz
from legacy_conv import cli
from legacy_conv.cli import batch

ATOL = 1e-5
BACKEND = "theano"


def cli_file(name):
    return CLI / BACKEND / name


def keras1_predicts(path, model):
    data = npz(cli_file(f"{model}.npz"))
    converted = keras.models.load_model(path)
    np.testing.assert_allclose(converted.predict(data["x"], verbose=0), data["y"],
                               atol=ATOL, rtol=ATOL)


@pytest.fixture
def tree(tmp_path):
    """models/: a model.save() file, a config with its weights beside it (by name), a folder
    with one config and one weights file (paired as the only ones), a weights file with no
    config, a JSON that is no model, a broken .h5, a symbolic link, a text file."""
    root = tmp_path / "models"
    (root / "a").mkdir(parents=True)
    (root / "b" / "c").mkdir(parents=True)
    shutil.copy(cli_file("seq.h5"), root / "seq.h5")
    shutil.copy(cli_file("func.json"), root / "a" / "func.json")
    shutil.copy(cli_file("func_weights.h5"), root / "a" / "func_weights.h5")
    shutil.copy(cli_file("seq.yaml"), root / "b" / "c" / "net.yaml")
    shutil.copy(cli_file("seq_weights.h5"), root / "b" / "c" / "trained.h5")
    shutil.copy(cli_file("keep_weights.h5"), root / "a" / "orphan.h5")
    (root / "a" / "classes.json").write_text('{"0": "cat", "1": "dog"}')
    (root / "b" / "broken.h5").write_bytes(b"not an HDF5 file")
    (root / "b" / "notes.txt").write_text("trained in 2016")
    os.symlink(root / "seq.h5", root / "b" / "link.h5")
    return root


def run(capsys, *argv):
    status = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def report_of(out_root):
    with open(out_root / batch.REPORT) as f:
        return json.load(f)


def test_find_pairs_configs_with_their_weights(tree):
    units = {os.path.relpath(u.path, tree): u for u in batch.find(str(tree))}
    assert sorted(units) == ["a/func.json", "a/orphan.h5", "b/broken.h5", "b/c/net.yaml",
                             "seq.h5"]
    assert units["a/func.json"].weights.endswith("a/func_weights.h5")
    assert units["a/func.json"].paired.startswith("by name")
    assert units["b/c/net.yaml"].weights.endswith("b/c/trained.h5")
    assert units["b/c/net.yaml"].paired == "the only config and weights file in the folder"
    assert units["seq.h5"].weights is None
    assert "no config beside it" in units["a/orphan.h5"].reason


def test_a_folder_converts_every_file_and_reports_each(tree, tmp_path, capsys):
    out_root = tmp_path / "out"
    status, out, err = run(capsys, "convert", tree, out_root, "--jobs", "1",
                           "--keras1-backend", BACKEND)
    assert status == 1  # the orphan weights file and the broken file
    keras1_predicts(out_root / "seq.keras", "seq")
    keras1_predicts(out_root / "a" / "func.keras", "func")
    keras1_predicts(out_root / "b" / "c" / "net.keras", "seq")
    report = report_of(out_root)
    rows = {r["input"]: r for r in report["files"]}
    assert report["counts"] == {"converted": 3, "failed": 2}
    assert rows["a/func.json"]["weights"] == "a/func_weights.h5"
    assert rows["a/func.json"]["output"] == "a/func.keras"
    assert rows["b/broken.h5"]["status"] == "failed"
    assert "b/broken.h5" in rows["b/broken.h5"]["reason"]
    assert rows["seq.h5"]["keras1_backend"] == BACKEND
    assert rows["seq.h5"]["backend_reason"] == "--keras1-backend"
    assert rows["a/orphan.h5"]["backend_reason"] == "--keras1-backend"
    assert not os.path.exists(out_root / "b" / "broken.keras")
    table = out.splitlines()
    assert table[0].split() == ["status", "input", "output", "/", "reason"]
    assert any(line.split()[:3] == ["converted", "seq.h5", "seq.keras"] for line in table)
    assert table[-1].startswith("3 of 5 converted, 2 failed; report: ")
    assert err.strip().splitlines()[-1] == (
        f"legacy-conv: error: 2 of 5 files in {tree} were not converted "
        f"(see {out_root / batch.REPORT})")


def test_existing_outputs_need_force_and_colliding_names_keep_their_suffix(tmp_path, capsys):
    root = tmp_path / "models"
    root.mkdir()
    for name in ("seq.h5", "seq.json", "seq_weights.h5"):
        shutil.copy(cli_file(name), root / name)
    out_root = tmp_path / "out"
    argv = ["convert", root, out_root, "--jobs", "1", "--keras1-backend", BACKEND,
            "--format", "json", "-q"]
    status, out, err = run(capsys, *argv)
    assert status == 0, out + err
    assert sorted(os.listdir(out_root)) == [batch.REPORT, "seq.h5.json", "seq.json.json"]
    assert err == ""
    status, out, err = run(capsys, *argv)
    assert status == 1
    assert all("already exists (pass --force to replace it)" in r["reason"]
               for r in report_of(out_root)["files"])
    status, out, err = run(capsys, *argv, "--force")
    assert status == 0


@pytest.mark.parametrize("extra, message", [
    (["--weights", "w.h5"], "--weights applies to one file, not to a folder IN"),
    (["--serving-name", "net"], "--serving-name applies to one file, not to a folder IN"),
])
def test_single_file_options_are_refused_for_a_folder(tree, tmp_path, capsys, extra, message):
    status, out, err = run(capsys, "convert", tree, tmp_path / "out", *extra)
    assert status == 2 and message in err


def test_folder_options_are_refused_for_a_file(tmp_path, capsys):
    status, out, err = run(capsys, "convert", cli_file("seq.h5"), tmp_path / "x.keras",
                           "--jobs", "2")
    assert status == 2 and "--jobs applies to a folder IN, not to one file" in err


def test_outdir_may_not_hold_the_input_folder(tree, capsys):
    for out_root in (tree, tree.parent):
        status, out, err = run(capsys, "convert", tree, out_root)
        assert status == 2 and "OUTDIR is or contains IN" in err


def test_an_outdir_inside_the_input_folder_is_not_read_back(tree, capsys):
    out_root = tree / "converted"
    shutil.rmtree(tree / "a")
    shutil.rmtree(tree / "b")
    status, out, err = run(capsys, "convert", tree, out_root, "--jobs", "1", "--format",
                           "json", "-q")
    assert status == 0, err
    status, out, err = run(capsys, "convert", tree, out_root, "--jobs", "1", "--format",
                           "json", "-q", "--force")
    assert status == 0 and len(report_of(out_root)["files"]) == 1


@pytest.mark.subprocess
def test_installed_command_converts_a_folder_in_parallel_workers(tree, tmp_path):
    out_root = tmp_path / "out"
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "legacy_conv", "convert", str(tree), str(out_root),
         "--jobs", "2", "--report", str(report), "--keras1-backend", BACKEND],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    progress = [line for line in done.stderr.splitlines() if line.startswith("legacy-conv: [")]
    assert len(progress) == 5 and progress[-1].startswith("legacy-conv: [5/5] ")
    with open(report) as f:
        rows = {r["input"]: r["status"] for r in json.load(f)["files"]}
    assert rows == {"a/func.json": "converted", "a/orphan.h5": "failed",
                    "b/broken.h5": "failed", "b/c/net.yaml": "converted",
                    "seq.h5": "converted"}
    keras1_predicts(out_root / "b" / "c" / "net.keras", "seq")


@pytest.mark.parametrize("configs, weights, pairs", [
    (["record_2_modelYaml.yaml", "record_4_modelYaml.yaml"],
     ["record_2_modelWeights.h5", "record_4_modelWeights.h5"],
     {"record_2_modelYaml.yaml": "record_2_modelWeights.h5",
      "record_4_modelYaml.yaml": "record_4_modelWeights.h5"}),
    (["model.json"], ["model_best.h5", "model_last.h5"], {}),
    (["my_nn_arch.json"], ["my_nn_weights.h5"], {"my_nn_arch.json": "my_nn_weights.h5"}),
    (["a.json", "b.json"], ["a_weights.h5", "x.h5"], {"a.json": "a_weights.h5"}),
], ids=["shared-beginning", "two-equal-candidates", "only-ones", "by-name-then-no-match"])
def test_pairing_rules(configs, weights, pairs):
    units = batch._pair("d", configs, weights)
    found = {os.path.basename(u.path): os.path.basename(u.weights)
             for u in units if u.weights is not None}
    assert found == pairs
    lone = {os.path.basename(u.path): u.reason for u in units if u.reason}
    assert set(lone) == set(weights) - set(pairs.values())
    if not pairs:  # two equal candidates: each says so and how to convert it
        assert all("weights files whose names match model.json's equally"
                   in reason and f"--weights {name}'" in reason
                   for name, reason in lone.items())


def test_each_file_is_converted_for_the_backend_it_shows(tmp_path, capsys, monkeypatch):
    """Without --keras1-backend, each file's row says which backend its conversion chose
    and why: Keras 1 on Theano saved weight names without ':0'."""
    monkeypatch.delenv("LEGACY_CONV_KERAS1_BACKEND", raising=False)
    root = tmp_path / "models"
    root.mkdir()
    shutil.copy(cli_file("seq.h5"), root / "seq.h5")
    status, out, err = run(capsys, "convert", root, tmp_path / "out", "--jobs", "1", "-q")
    assert status == 0, err
    row, = report_of(tmp_path / "out")["files"]
    assert row["keras1_backend"] == "theano"
    assert "weight names" in row["backend_reason"]
    keras1_predicts(tmp_path / "out" / "seq.keras", "seq")


def test_a_folder_with_no_keras1_file_is_one_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("trained in 2016")
    status, out, err = run(capsys, "convert", tmp_path / "empty", tmp_path / "out")
    assert status == 1 and "holds no Keras 1 model file" in err and out == ""


def test_a_report_file_of_the_users_is_replaced_only_with_force(tree, tmp_path, capsys):
    report = tmp_path / "mine.json"
    report.write_text("kept")
    status, out, err = run(capsys, "convert", tree, tmp_path / "out", "--report", report)
    assert status == 1 and "already exists (pass --force to replace it)" in err
    assert report.read_text() == "kept" and not (tmp_path / "out").exists()
