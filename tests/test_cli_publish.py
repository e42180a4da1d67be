"""`opslag publish` and `opslag takedown` (issue 12 §6) as a user meets them in the terminal:
the record shows the links and the takedown, and every mistake is one Danish line."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import intake_data
from tests.test_cli import cli  # noqa: F401  (the fixture)

POST = "https://www.facebook.com/norddjurs/posts/9"


def approved(cli: Any) -> str:  # noqa: F811
    code, out, err = cli(["submit", "--as", "anna"], json.dumps(intake_data()))
    assert code == 0, err
    pid = out.strip()
    assert cli(["decide", pid, "godkend", "--by", "chef"])[0] == 0
    return pid


def test_publish_then_take_down_and_show_the_record(cli: Any) -> None:  # noqa: F811
    pid = approved(cli)
    code, out, err = cli(["publish", pid, "--by", "chef", "--link", f"Facebook={POST}",
                          "--link", "intranet=norddjurs.dk/intra/nyhed"])
    assert (code, err) == (0, "")
    assert out.strip() == f"Forslag nr. {pid}: udgivet"

    code, out, err = cli(["takedown", pid, "--by", "anna", "--begrundelse",
                          "Samtykket er trukket tilbage"])
    assert (code, out.strip()) == (0, f"Forslag nr. {pid}: taget ned")

    code, shown, _ = cli(["show", pid])
    history = shown.split("Historik", 1)[1]
    assert "markeret som udgivet (chef)" in history
    assert f"Facebook: {POST}" in history
    assert "Intranettet: https://norddjurs.dk/intra/nyhed" in history  # kept as https
    assert "bedt taget ned (anna): Samtykket er trukket tilbage" in history
    record = json.loads(cli(["show", pid, "--json"])[1])
    assert record["publication"]["links"] == {
        "facebook": POST, "intranet": "https://norddjurs.dk/intra/nyhed"}
    assert record["takedown"]["reason"] == "Samtykket er trukket tilbage"


def test_mistakes_are_one_danish_line_and_store_nothing(cli: Any) -> None:  # noqa: F811
    pid = approved(cli)
    cases = [
        (["publish", pid, "--by", "chef", "--link", "facebook"], "PLATFORM=ADRESSE"),
        (["publish", pid, "--by", "chef", "--link", "myspace=https://x.dk"],
         "kender ikke platformen »myspace«"),
        (["publish", pid, "--by", "chef", "--link", "facebook=ftp://x.dk/a"],
         "Linket til Facebook er ikke en webadresse"),
        (["publish", pid, "--by", "ole", "--link", f"facebook={POST}"],
         "Kun den, der godkendte forslaget"),
        (["takedown", pid, "--by", "anna", "--begrundelse", " "],
         "Skriv, hvorfor opslaget skal tages ned."),
    ]
    for argv, expected in cases:
        code, out, err = cli(argv)
        assert code == 2 and out == "", argv
        assert len(err.strip().splitlines()) == 1 and expected in err, (argv, err)
    record = json.loads(cli(["show", pid, "--json"])[1])
    assert record["status"] == "approved" and record["publication"] is None
    assert [event["event"] for event in record["history"]] == ["submitted", "approved"]
