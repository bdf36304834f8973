"""A person's skills: parsing what they typed, and storing them on their `Person` row."""

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from chatbot.models import Person

MAX_SKILLS = 20
MAX_SKILL_LENGTH = 40
SKILL = re.compile(r"^[\w][\w .+#/-]*$")
STRIP = " .!?'\"`*_~()[]{}"
UNSAFE = re.compile(r"[<>&@`*_~|]")
# Same thing, different spelling: the first word of each group is how we store it.
ALIASES: tuple[tuple[str, ...], ...] = (
    ("javascript", "js", "ecmascript"),
    ("typescript", "ts"),
    ("python", "py", "python3"),
    ("go", "golang"),
    ("kubernetes", "k8s", "kube"),
    ("terraform", "tf", "hcl"),
    ("react", "reactjs", "react.js"),
    ("node.js", "node", "nodejs"),
    ("vue", "vuejs", "vue.js"),
    ("c#", "csharp", "c sharp"),
    ("c++", "cpp"),
    ("postgresql", "postgres", "psql"),
    ("machine learning", "ml"),
)
_CANONICAL = {alias: group[0] for group in ALIASES for alias in group}


class SkillsError(ValueError):
    """What is wrong with the skills someone typed, in words they can act on."""


def split_skills(text: str) -> list[str]:
    """Commas (or `;`, ` and `) separate skills; without any, every word is one skill."""
    text = " ".join(text.split())
    separated = re.sub(r"\s*(?:;|&|\band\b)\s*", ",", text, flags=re.IGNORECASE)
    parts = separated.split(",") if "," in separated else text.split()
    cleaned = (" ".join(part.strip(STRIP).split()).lower() for part in parts)
    return [part for part in cleaned if part]


def canonical_skill(skill: str) -> str:
    return _CANONICAL.get(skill.lower(), skill.lower())


def parse_skills(text: str) -> list[str]:
    """Skills as stored: lower case, known aliases merged, no duplicates, in the order typed."""
    skills = list(dict.fromkeys(canonical_skill(s) for s in split_skills(text)))
    if not skills:
        raise SkillsError("Which skills? Separate them with commas, e.g. python, react, terraform.")
    for skill in skills:
        # Quoted back without markup characters, so that the message is safe as plain text and mrkdwn.
        shown = UNSAFE.sub("", skill)
        if len(skill) > MAX_SKILL_LENGTH:
            raise SkillsError(
                f"“{shown[:MAX_SKILL_LENGTH]}…” is too long for a skill "
                f"({MAX_SKILL_LENGTH} characters at most)."
            )
        if not SKILL.match(skill):
            raise SkillsError(
                f"“{shown}” does not look like a skill: use words such as python, react or terraform, "
                "separated by commas."
            )
    if len(skills) > MAX_SKILLS:
        raise SkillsError(f"That is {len(skills)} skills; {MAX_SKILLS} at most, please: pick your strongest.")
    return skills


def skill_keys(skill: str) -> set[str]:
    """Forms under which a skill can appear in a project's language, topics or skills."""
    word = canonical_skill(skill)
    squashed = re.sub(r"[\s._-]+", "", word)
    keys = {word, squashed, word.replace(" ", "-")}
    keys.update(alias for alias, target in _CANONICAL.items() if target == word)
    return {k for k in keys if k}


def stored_skills(session: Session, slack_user_id: str) -> list[str]:
    skills = session.exec(select(Person.skills).where(col(Person.slack_user_id) == slack_user_id)).first()
    return list(skills or [])


def save_skills(session: Session, slack_user_id: str, skills: Sequence[str], now: datetime) -> None:
    """Replace the person's skills (creating their row if this is the first we hear of them); commits."""
    for _attempt in range(2):
        person = session.exec(select(Person).where(col(Person.slack_user_id) == slack_user_id)).first()
        if person is None:
            person = Person(slack_user_id=slack_user_id, created_at=now)
        person.skills = list(skills)
        person.updated_at = now
        session.add(person)
        try:
            session.commit()
            return
        except IntegrityError:  # someone created the row at the same moment: update theirs
            session.rollback()
    raise RuntimeError(f"could not save the skills of {slack_user_id}")
