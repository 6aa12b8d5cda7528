"""Whose a fact in a quick note is: the client's, or someone else's (spouse, child, parent,
colleague…).

Agents write "他老婆王丽的手机是139…", "他同事张总是律师，年收入大概200万",
"他哥哥的儿子10岁了": the last person named before the fact, in its clause or (for a clause
with no one of its own) in an earlier clause of the same sentence, is whom it is about.
"""

from __future__ import annotations

import re
from typing import Literal

from handlers.fields.children import RELATION_PATTERN
from handlers.note_patterns import SURNAMES

Whose = Literal["client", "spouse", "child", "other"]

_SENTENCE_END = re.compile(r"[;；。!！?？\n]")
_CLAUSE_END = re.compile(r"[,，]")
_SPOUSE = rf"(?<![{SURNAMES}])(?:先生|老公|丈夫|太太|妻子|老婆|爱人|媳妇)"
_OTHER = (
    r"前夫|前妻|男朋友|女朋友|男友|女友|父亲|母亲|爸爸|妈妈|爸|妈|父母|公公|婆婆|岳父|岳母"
    r"|爷爷|奶奶|外公|外婆|姥姥|姥爷|哥哥|姐姐|弟弟|妹妹|嫂子|姐夫|妹夫|弟媳|侄子|侄女|外甥女?"
    r"|孙子|孙女|舅舅|舅妈|姑姑|姑父|叔叔|婶婶|伯伯|伯父|伯母|阿姨|表[哥姐弟妹]|堂[哥姐弟妹]"
    r"|亲戚|朋友|同事|同学|闺蜜|邻居|领导|上司|老板|合伙人|下属|徒弟|师傅|老师"
    rf"|(?<![{SURNAMES}])[大二三小]?[哥姐弟妹]"
)
_CHILD = RELATION_PATTERN
_HONORIFIC = r"(?:先生|女士|小姐|姐|哥|总|老师|阿姨|叔|老板|经理)"
# 他说 / 她自己 / 本人 / 张姐 name the client; 他老婆 / 他的同事 name someone of theirs.
_PERSON = re.compile(
    rf"(?P<client>本人|自己|客户|[{SURNAMES}]{_HONORIFIC}"
    rf"|[他她]们?(?!的?(?:{_SPOUSE}|{_CHILD}|{_OTHER})))"
    rf"|(?P<spouse>{_SPOUSE})|(?P<child>{_CHILD})|(?P<other>{_OTHER})"
)


def _last_named(clause: str) -> Whose | None:
    """Who the clause last names; a name right after someone ("同事张总") is that someone."""
    last: Whose | None = None
    end = -1
    for match in _PERSON.finditer(clause):
        kind = match.lastgroup
        if kind == "client" and match.start() == end and last in {"spouse", "other"}:
            end = match.end()  # an apposition: the same person
            continue
        last, end = kind, match.end()  # type: ignore[assignment]
    return last


def whose(before: str) -> Whose | None:
    """Whom the text right before a fact is about; None when no one is named.

    Someone named in an earlier clause of the sentence still counts when the fact's clause
    names no one ("他同事是律师，年收入200万"); a child does not ("儿子16岁，农历生日八月十五"
    is the client's birthday)."""
    clauses = _CLAUSE_END.split(_SENTENCE_END.split(before)[-1])
    own = _last_named(clauses[-1])
    if own is not None:
        return own
    for clause in reversed(clauses[:-1]):
        named = _last_named(clause)
        if named is not None:
            return named if named in {"spouse", "other"} else None
    return None


def not_the_clients(before: str) -> bool:
    """Whether a fact after ``before`` (a phone, a birthday, an amount) is someone else's."""
    return whose(before) in {"spouse", "child", "other"}


def outside_the_family(before: str) -> bool:
    """Whether a child after ``before`` is someone else's ("他哥哥的儿子"), not the client's
    (theirs, or their spouse's: "老婆的儿子")."""
    return whose(before) == "other"
