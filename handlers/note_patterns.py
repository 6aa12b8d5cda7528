"""The patterns quick notes are read with: clauses, dates, amounts, children, who a clause is
about, occupations."""

from __future__ import annotations

import re
from collections.abc import Iterable

from handlers.fields.children import RELATION_PATTERN

CLAUSE = re.compile(r"[^,;。!?\n]+")
LUNAR_MARK = re.compile(r"农历|阴历|旧历|老历")
_YEAR = r"(?:\d{4}|[〇零一二三四五六七八九]{4}|(?<!\d)\d{2})年"  # 1985年, 85年
_MONTH = r"(?:\d{1,2}|正|冬|腊|十[一二]|[一二三四五六七八九十])月"
_DAY = r"(?:\d{1,2}|初[一二三四五六七八九十]|[一二三四五六七八九十廿卅]{1,3})[日号]?"
DATE_IN_TEXT = re.compile(
    rf"(?:{_YEAR})?(?:农历|阴历)?闰?{_MONTH}{_DAY}"
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{8}"
    r"|(?<![\d.])\d{2}[-/.]\d{1,2}[-/.]\d{1,2}(?![\d.])"  # 76.8.15
    r"|(?<![\d.])\d{1,2}[-/.]\d{1,2}(?![\d.])"
)
BIRTHDAY_WORD = re.compile(r"生日|出生(?!地)|生于")
ANNIVERSARY = re.compile(r"纪念日")

_AMOUNT = (
    r"(?P<amount>\d+(?:\.\d+)?多?(?:万亿|百万|千万|亿|万|千|百|k|w)?(?:\d+(?:千|百)?)?[+]?"
    r"|[零〇一二两三四五六七八九十百千万亿]+)"
)
_GAP = r"(?P<gap>[^,;。!?\n\d零〇一二两三四五六七八九十百千万亿]{0,6}?)"
INCOME = re.compile(rf"(?:家庭年收入|家庭收入|家里年收入|年收入|年入){_GAP}{_AMOUNT}", re.I)
ASSETS = re.compile(rf"(?:可投资资产|可投资资金|可投资金额|存款){_GAP}{_AMOUNT}", re.I)

_AGE = r"(?:\d{1,2}|[一二两三四五六七八九十]{1,3})(?:周?岁半?|个多?月)"
_COUNT = r"(?:[一二两三四五六1-6]个|俩|双胞胎)"
CHILDREN_IN_TEXT = re.compile(
    rf"{_AGE}的(?:{RELATION_PATTERN})"  # 8岁的儿子
    rf"|[一二两三1-3]儿[一二两三1-3]女(?::?(?:分别|都|各)?是?{_AGE}(?:[和、与及]|(?!\d)))*"
    rf"|{_COUNT}(?:{RELATION_PATTERN})俩?(?::?(?:分别|都|各)?是?{_AGE}(?:[和、与及]|(?!\d)))*"
    rf"|(?:{RELATION_PATTERN})[^,;。!?\s的]{{0,6}}?{_AGE}"  # 儿子今年9岁
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
    "覃武戴莫孔汤温康施牛樊葛邢齐乔伍庞颜倪庄聂章鲁岳翟殷詹欧耿焦俞柳祝包舒阮柯梅童凌毕季裴霍涂"
    "苗谷盛翁冉骆蓝辛靳柴鲍喻祁蒲滕屈饶牟艾尤穆卓缪娄窦戚岑景宫费卜冷晏席卫柏瞿桂佟臧闵苟邬卞姬"
)
_HONORIFIC = r"(?:先生|女士|小姐|姐|哥|总|老师|阿姨|叔|老板|经理)"
CLIENT_SUBJECT = re.compile(rf"^$|本人|客户|自己|[{SURNAMES}]{_HONORIFIC}|[她他]")
_SPOUSE = rf"(?<![{SURNAMES}])(?:先生|老公|丈夫|太太|妻子|老婆|爱人|媳妇)"
_OTHER = (
    rf"{RELATION_PATTERN}|父亲|母亲|爸|妈|公公|婆婆|岳父|岳母|爷爷|奶奶|外公|外婆"
    r"|哥哥|姐姐|弟弟|妹妹|朋友|同事|同学|闺蜜|邻居"
)
SPOUSE_WORD = re.compile(_SPOUSE)
OTHER_PERSON = re.compile(_OTHER)
OCCUPATION_CLAUSE = re.compile(
    r"(?P<subject>.*?)(?P<verb>是做|是搞|是当|是|做|搞|当|从事|干)(?P<object>.+)"
)
TRADE = re.compile(r"(?P<trade>[^的]{1,6}?)(?:的|工作|行业|这行|这一行)")  # 做IT的, 从事金融工作
JOB_FIELD = re.compile(r"职业(?:是|为|:)?(?P<object>.+)")
OBJECT_EDGES = re.compile(r"^(?:一个|一名|一位|一家|个|名|位)|(?:的|了|啊|呢|吧|呀|工作)+$")
NEGATION = re.compile(r"(?:不|没|别|讨厌|无)[^,;。!?]{0,2}$")


def clauses(text: str) -> Iterable[re.Match[str]]:
    """The clauses of a note (split at punctuation and line breaks)."""
    return CLAUSE.finditer(text)
