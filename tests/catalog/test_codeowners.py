from chatbot.catalog.codeowners import CodeOwners, parse_codeowners, pick_codeowners


def test_users_and_teams_in_order_without_duplicates() -> None:
    text = """
# Lines starting with '#' are comments.
*       @global-owner1 @global-owner2
*.js    @js-owner @acme/frontend-team
/docs/  @global-owner1 @Acme/Docs_Team
"""
    owners = parse_codeowners(text)

    assert owners.users == ("global-owner1", "global-owner2", "js-owner")
    assert owners.teams == ("acme/frontend-team", "Acme/Docs_Team")


def test_emails_comments_and_section_headers_are_ignored() -> None:
    text = """
[Documentation]
docs/ docs@example.com   # the docs team
*.go  @gopher # trailing comment @not-an-owner
^[Optional section]
/build/logs/
   # indented comment @nobody
"""
    owners = parse_codeowners(text)

    assert owners == CodeOwners(users=("gopher",), teams=())


def test_a_file_without_owners_is_falsy() -> None:
    assert not parse_codeowners("# nothing here\n/path/without/owner\n")
    assert parse_codeowners("* @someone")


def test_malformed_tokens_are_skipped() -> None:
    owners = parse_codeowners("* @ @/team @org/ @-bad @good @org/team/extra @wh at")

    assert owners.users == ("good", "wh")
    assert owners.teams == ()


def test_windows_line_endings() -> None:
    assert parse_codeowners("* @a\r\n*.py @b\r\n").users == ("a", "b")


def test_first_of_dot_github_root_docs_wins() -> None:
    files = {"docs/CODEOWNERS": "* @docs", "CODEOWNERS": "* @root", ".github/CODEOWNERS": "* @github"}

    assert pick_codeowners(files) == (".github/CODEOWNERS", "* @github")
    assert pick_codeowners({**files, ".github/CODEOWNERS": None}) == ("CODEOWNERS", "* @root")
    assert pick_codeowners({"docs/CODEOWNERS": "* @docs"}) == ("docs/CODEOWNERS", "* @docs")
    assert pick_codeowners({}) is None


def test_an_empty_file_still_counts_as_the_one_github_uses() -> None:
    # GitHub stops at the first file it finds, even if that one names nobody.
    assert pick_codeowners({".github/CODEOWNERS": "", "CODEOWNERS": "* @root"}) == (".github/CODEOWNERS", "")
