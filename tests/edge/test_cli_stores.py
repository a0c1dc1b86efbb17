"""`imgedge stores create|list|rotate|revoke|events` in process: the keys it prints work
once, and every key change is in the audit trail, by `cli`, never the key."""

from __future__ import annotations

import pytest

from edge.cli import main


@pytest.fixture
def imgedge(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("IMGEDGE_CONFIG", "IMGEDGE_CACHE_URL", "IMGEDGE_ORIGINALS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IMGEDGE_DATABASE_URL", f"sqlite:///{tmp_path}/c.db")

    def run(*args: str) -> tuple[int, list[str], str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out.splitlines(), out.err

    return run


def test_key_changes_from_the_cli_are_in_the_audit_trail(imgedge):
    code, out, _ = imgedge("stores", "create", "Metro")
    assert code == 0
    keys = [out[-1]]
    assert imgedge("stores", "create", "Other")[0] == 0
    code, out, _ = imgedge("stores", "rotate", "Metro")
    keys.append(out[-1])
    assert imgedge("stores", "revoke", "Metro")[0] == 0
    code, out, _ = imgedge("stores", "events", "Metro")
    assert code == 0
    assert [line.split("\t")[2:] for line in out] == [
        ["Metro", "revoked", "by cli"],
        ["Metro", "rotated", "by cli"],
        ["Metro", "created", "by cli"],
    ]
    code, everyone, _ = imgedge("stores", "events")
    assert len(everyone) == 4 and "\tOther\tcreated\t" in everyone[2]
    assert not any(key in "\n".join(everyone) for key in keys)
    code, _, err = imgedge("stores", "events", "Nobody")
    assert code == 1 and "no store named 'Nobody'" in err


def test_no_events_yet_is_said(imgedge):
    assert imgedge("stores", "events") == (0, ["no key events"], "")
