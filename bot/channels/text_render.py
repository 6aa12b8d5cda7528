"""Plain-text rendering for channels without buttons (terminal, WeChat)."""

from __future__ import annotations

from handlers.types import Reply


def render_plain(reply: Reply) -> str:
    """The reply's text followed by its options as numbered lines (or, when the text numbers
    them already, by how to pick one)."""
    if not reply.options:
        return reply.text
    if reply.listed:
        count = len(reply.options)
        numbers = "1" if count == 1 else f"1–{count}"
        return f"{reply.text}\n（回复序号 {numbers} 打开对应的一项）"
    lines = [reply.text, ""]
    lines += [f"{index}. {option.label}" for index, option in enumerate(reply.options, start=1)]
    numbers = " / ".join(str(index) for index in range(1, len(reply.options) + 1))
    lines.append(f"（回复 {numbers}，或直接回复文字）")
    return "\n".join(lines)


def split_text(text: str, limit: int) -> list[str]:
    """Split at line breaks into chunks of at most ``limit`` characters."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks
