"""benchmarks/search_quality.py --relevance-dev, on a small catalog scored by the data set's own score.py."""

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.search_quality import main
from tests.conftest import shared_data

KAFKA = [f"acme/kafka-client-{n}" for n in range(8)]
OTHERS = ["acme/redis-cache", "acme/image-resizer", "acme/yaml-reader", "acme/kafka-dashboard"]


def repo(number: int, full_name: str, description: str) -> dict[str, object]:
    owner, name = full_name.split("/")
    return {
        "id": 1000 + number,
        "name": name,
        "full_name": full_name,
        "html_url": f"https://github.com/{full_name}",
        "description": description,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-08-30T00:00:00Z",
        "pushed_at": "2026-08-30T00:00:00Z",
        "stargazers_count": 10,
        "watchers_count": 10,
        "language": "Rust",
        "forks_count": 1,
        "open_issues_count": 0,
        "license": None,
        "default_branch": "main",
        "owner": {"login": owner, "avatar_url": f"https://github.com/{owner}.png"},
        "_InnerSourceMetadata": {"title": full_name, "topics": description.split()[:3]},
    }


@pytest.fixture
def data_set(tmp_path: Path) -> Path:
    folder = tmp_path / "relevance-dev"
    folder.mkdir()
    shutil.copy(shared_data("relevance-dev/score.py"), folder / "score.py")
    described = [(name, "kafka client for streams") for name in KAFKA]
    described += [(name, f"{name.split('-')[-1]} tool") for name in OTHERS]
    repos = [repo(number, name, description) for number, (name, description) in enumerate(described)]
    (folder / "repos.json").write_text(json.dumps(repos))
    (folder / "qrels.json").write_text(json.dumps({"x:Kafka": KAFKA, "x:Redis": ["acme/redis-cache"]}))
    (folder / "queries.yaml").write_text(
        '- query: kafka client\n  kind: plain\n  categories:\n    - "x:Kafka"\n'
        '- query: kafak client\n  kind: typo\n  categories:\n    - "x:Kafka"\n'
        '- query: key value cache\n  kind: synonym\n  categories:\n    - "x:Redis"\n'
    )
    return folder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--relevance-dev", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_find_pages_through_next_5_and_is_scored_beside_bm25(
    data_set: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, str(data_set), "--json", str(tmp_path / "run.json"), "--no-fail")

    assert code == 0
    result = json.loads((tmp_path / "run.json").read_text())
    find, bm25 = result["systems"]["find (SQLite)"], result["systems"]["BM25"]
    ranking = find["queries"]["kafka client"]["ranking"]
    assert sorted(ranking[:8]) == KAFKA and len(ranking) > 5  # page 1 and "Next 5"; related ones follow
    assert find["queries"]["kafka client"]["P@5"] == 1.0
    assert bm25["queries"]["kafka client"]["P@5"] == 1.0
    assert {v["kind"] for v in result["verdicts"]} == {"all", "plain", "typo", "synonym"}
    assert "find (SQLite)" in out and "BM25" in out and "MISSED" in out


def test_json_to_stdout_is_the_only_thing_there(data_set: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(data_set), "--json", "-", "--show-misses")

    assert code == 1  # the tiny catalog misses the targets
    assert json.loads(out)["data_set"]["queries"] == 3
    assert "below a target" in err


@pytest.mark.postgres
def test_postgresql_is_measured_in_the_same_run(
    data_set: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], pg_schema_url: str
) -> None:
    json_path = str(tmp_path / "r.json")
    code, out, _ = run(
        capsys, str(data_set), "--database-url", pg_schema_url, "--json", json_path, "--no-fail"
    )

    assert code == 0, out
    systems = json.loads((tmp_path / "r.json").read_text())["systems"]
    assert sorted(systems["find (PostgreSQL)"]["queries"]["kafka client"]["ranking"][:8]) == KAFKA
    assert "give the same top 10" in out


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["{missing}"], "has no repos.json"),
        (["{data}", "--database-url", "sqlite:///x.db"], "must be a PostgreSQL URL"),
        (["{data}", "--database-url", "postgresql://nobody@127.0.0.1:1/none"], "cannot reach PostgreSQL"),
        (["{data}", "--json", "{missing}/run.json"], "no such directory"),
    ],
)
def test_bad_input_gets_one_line(
    data_set: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    filled = [a.format(missing=tmp_path / "missing", data=data_set) for a in args]

    code, _, err = run(capsys, *filled)

    assert code == 2
    assert said in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "missing").exists()
