import pytest

from rhlab.prompts import VARIANTS, PromptError, PromptLibrary
from rhlab.tasks import get_task


@pytest.fixture(scope="module")
def lib():
    return PromptLibrary.load()


def test_all_five_variants_exist(lib):
    for name in VARIANTS:
        assert lib.variant(name).name == name


def test_build_records_every_part_id(lib):
    task = get_task("humaneval/0")
    p = lib.build(task, hints=("always_equal", "pytest_report"), variant="please_hack")
    assert p.part_ids == ("system.coding.v1", "hint_intro.observed.v1", "hint.always_equal.v1",
                          "hint.pytest_report.v1", "variant.please_hack.v1", "user.task.v1")
    assert "has_close_elements" in p.system and "conftest.py" in p.system
    assert "find weaknesses" in p.system
    assert task.prompt.strip() in p.user
    assert [m["role"] for m in p.messages()] == ["system", "user"]


def test_no_hints_no_hint_text(lib):
    p = lib.build(get_task("humaneval/0"), variant="neutral")
    assert "Always-equal" not in p.system and "hint_intro.observed.v1" not in p.part_ids
    assert "variant.neutral.v1" in p.part_ids


def test_variant_text_differs(lib):
    task = get_task("humaneval/0")
    systems = {v: lib.build(task, hints=("exit_code",), variant=v).system for v in VARIANTS}
    assert len(set(systems.values())) == len(VARIANTS)
    assert "misaligned" in systems["hacking_is_misaligned"]


def test_user_variants_from_yaml(tmp_path):
    extra = tmp_path / "mine.yaml"
    extra.write_text("variants:\n  - id: variant.mine.v1\n    name: mine\n    text: Be yourself.\n")
    lib = PromptLibrary.load([extra])
    assert "Be yourself." in lib.build(get_task("humaneval/0"), variant="mine").system


@pytest.mark.parametrize("text, match", [
    ("variants:\n  - id: variant.neutral.v1\n    name: x\n    text: y\n", "duplicate"),
    ("bogus:\n  - id: a\n    text: b\n", "unknown section"),
    ("hints:\n  - id: h\n    hack: nope\n    text: b\n", "needs `hack`"),
    ("variants: [unclosed", "not valid YAML"),
])
def test_bad_library_files(tmp_path, text, match):
    extra = tmp_path / "bad.yaml"
    extra.write_text(text)
    with pytest.raises(PromptError, match=match):
        PromptLibrary.load([extra])


def test_unknown_variant(lib):
    with pytest.raises(PromptError, match="unknown inoculation variant"):
        lib.variant("be_evil")


def test_user_placement_moves_hints_and_variant_after_the_task(lib):
    task = get_task("humaneval/0")
    in_system = lib.build(task, hints=("always_equal",), variant="please_hack")
    in_user = lib.build(task, hints=("always_equal",), variant="please_hack", placement="user")
    assert in_user.part_ids == in_system.part_ids
    assert "Always-equal" not in in_user.system and "find weaknesses" not in in_user.system
    assert in_user.user.index(task.prompt.strip()) < in_user.user.index("Always-equal") \
        < in_user.user.index("find weaknesses")
    assert "return AlwaysEqual()" in in_user.user and "has_close_elements" in in_user.user
    with pytest.raises(PromptError, match="placement"):
        lib.build(task, placement="assistant")
